// The core's one public entry for the command line (and scripts): what `convene` may use of electron/. The layer
// check (.dependency-cruiser.cjs) lets cli/ import this file and nothing else under electron/.
export { CalendarStore, type StoreOptions } from './store/calendar-store';
export { applyFile, contentKey, organizersOf, type FileOutcome } from './services/files-service';
export { checkStore, repairStore, type StoreCheckReport, type StoreRepairReport } from './store/store-repair';
export { discover, type DiscoverOptions } from './accounts/discover';
