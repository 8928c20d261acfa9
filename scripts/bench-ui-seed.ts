// The UI benchmark's fixture, bundled by scripts/bench-ui.mjs: 10,000 invitation threads written the way the app
// writes them (each invitation read and decided by the engine, committed through CalendarStore's methods with its
// thread entry and processed record), so the store's shape is the real one whatever the store's implementation.
import { LOCAL_IDENTITY } from '../shared/api';
import { readCalendarText } from '../shared/itip/message';
import { processRead } from '../shared/itip/process';
import { CalendarStore, type StoreChange } from '../electron/store/calendar-store';

const BERLIN_TZ = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
function wall(ms: number): string {
  return stamp(ms).replace(/Z$/, '');
}

/** A seeded pseudo-random sequence (mulberry32), so every run seeds the same store. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function invitation(i: number, startMs: number, random: () => number): string {
  const uid = `bench-ui-${i}@example.test`;
  const zoned = i % 3 === 1;
  const recurring = i % 10 === 0;
  const start = zoned ? `DTSTART;TZID=Europe/Berlin:${wall(startMs)}` : `DTSTART:${stamp(startMs)}`;
  const end = zoned ? `DTEND;TZID=Europe/Berlin:${wall(startMs + 3_600_000)}` : `DTEND:${stamp(startMs + 3_600_000)}`;
  const org = `organizer${i % 400}@example.test`;
  const others = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, k) => `ATTENDEE;CN=Colleague ${k};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:colleague${(i + k) % 900}@example.test`);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Convene bench//EN',
    'METHOD:REQUEST',
    ...(zoned ? BERLIN_TZ : []),
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
