// The UI benchmark's fixture, bundled by scripts/bench-ui.mjs: 10,000 invitation threads written the way the app
// writes them (each invitation read and decided by the engine, committed through CalendarStore's methods with its
// thread entry and processed record), so the store's shape is the real one whatever the store's implementation.
import { LOCAL_IDENTITY } from '../shared/api';
import { readCalendarText } from '../shared/itip/message';
import { processRead } from '../shared/itip/process';
import { CalendarStore, type StoreChange } from '../electron/store/calendar-store';
import { BERLIN_1970, W_EUROPE } from '../test/fixtures/zone-zoo';
import { mulberry32 as rng } from '../test/prng';

/** One third each: UTC, Europe/Berlin with rules from 1970, Exchange's "W. Europe Standard Time" from 1601. */
const ZONES: ({ tzid: string; text: string } | null)[] = [null, { tzid: 'Europe/Berlin', text: BERLIN_1970 }, { tzid: 'W. Europe Standard Time', text: W_EUROPE }];


function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
function wall(ms: number): string {
  return stamp(ms).replace(/Z$/, '');
}

function invitation(i: number, startMs: number, random: () => number): string {
  const uid = `bench-ui-${i}@example.test`;
  const zone = ZONES[i % 3]!;
  const recurring = i % 10 === 0;
  const start = zone ? `DTSTART;TZID=${zone.tzid}:${wall(startMs)}` : `DTSTART:${stamp(startMs)}`;
  const end = zone ? `DTEND;TZID=${zone.tzid}:${wall(startMs + 3_600_000)}` : `DTEND:${stamp(startMs + 3_600_000)}`;
  const org = `organizer${i % 400}@example.test`;
  const others = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, k) => `ATTENDEE;CN=Colleague ${k};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:colleague${(i + k) % 900}@example.test`);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Convene bench//EN',
    'METHOD:REQUEST',
    ...(zone ? [zone.text.replace(/\r\n$/, '')] : []),
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'SEQUENCE:0',
    `DTSTAMP:${stamp(startMs - 7 * 86_400_000)}`,
    start,
    end,
    ...(recurring ? ['RRULE:FREQ=WEEKLY;COUNT=10'] : []),
    `SUMMARY:Meeting ${i}: ${['Budget', 'Roadmap', 'Hiring', 'Design', 'Ops'][i % 5]} review`,
    `LOCATION:Room ${i % 40}`,
    `DESCRIPTION:Agenda item ${i}.\\nPlease read the notes first: https://docs.example.test/${i}`,
    `ORGANIZER;CN=Organizer ${i % 400}:mailto:${org}`,
    `ATTENDEE;CN=Organizer ${i % 400};PARTSTAT=ACCEPTED:mailto:${org}`,
    `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${LOCAL_IDENTITY}`,
    ...others,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** Seeds `count` invitation threads into the store at `dir`; starts spread over the year around `nowMs`. */
export async function seedInvitations(dir: string, count: number, nowMs: number): Promise<{ events: number; ms: number }> {
  const t0 = performance.now();
  const store = await CalendarStore.open(dir);
  const random = rng(20_261_129);
  const now = new Date(nowMs).toISOString();
  let batch: StoreChange[] = [];
  for (let i = 0; i < count; i++) {
    // Whole hours from 07:00 to 18:00 UTC, on days spread over a year around now.
    const day = Math.floor((random() - 0.5) * 365);
    const hour = 7 + Math.floor(random() * 11);
    const base = new Date(nowMs);
    const startMs = Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate() + day, hour);
    const read = readCalendarText(invitation(i, startMs, random));
    const d = processRead(read.itip, read.problems, undefined, { me: [LOCAL_IDENTITY], policy: 'always', knownContacts: [], now });
    if (!d.next) throw new Error(`seed ${i}: ${d.action} ${d.reason}`);
    const key = `bench/INBOX/1/${i + 1}`;
    const date = new Date(startMs - 7 * 86_400_000 + (i % 1000) * 1000).toISOString();
    batch.push({ type: 'put', event: d.next });
    batch.push({ type: 'thread', uid: d.next.uid, entry: { key, method: 'REQUEST', from: `organizer${i % 400}@example.test`, subject: `Invitation: Meeting ${i}`, date, action: d.action, reason: d.reason } });
    batch.push({ type: 'processed', key, record: { action: d.action, uid: d.next.uid, reason: d.reason, at: now } });
    if (batch.length >= 1500) {
      await store.commit(batch);
      batch = [];
    }
  }
  if (batch.length) await store.commit(batch);
  const events = store.all().length;
  await store.close();
  return { events, ms: performance.now() - t0 };
}
