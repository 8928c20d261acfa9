// What scripts/bench-store.mjs measures, bundled by esbuild: the store and the views the app's API uses.
export { CalendarStore } from '../electron/store/calendar-store';
export { agendaView, detailView, listView } from '../electron/services/invitations-view';
export { invitationList, invitationPage } from '../electron/services/reading-view';
export { fixtureEvent, rng } from '../test/unit/store-fixtures';
