// What scripts/bench-engine.mjs measures, bundled by esbuild into one file (the CLI's own code paths).
export { inspectBytes } from '../cli/commands/inspect';
export { processOne, knownFromStore } from '../cli/commands/process';
export { CalendarStore } from '../electron/store/calendar-store';
export { expandAgenda } from '../shared/itip/agenda';
export { bigInvite } from '../test/fixtures/big-invite';
export { makeEvent } from '../test/unit/store-fixtures';
export { readInput } from '../shared/itip/message';
export { inspectResult } from '../shared/itip/inspect';
export { processRead } from '../shared/itip/process';
export { configureZoneCache } from '../shared/itip/zones/vtimezone';
export { invitationInZone, W_EUROPE } from '../test/fixtures/zone-zoo';
