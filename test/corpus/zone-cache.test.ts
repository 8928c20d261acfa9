// Zones computed once must not change a single answer: every corpus file (and invitations that each bring their own
// zone) through inspect, decide and a year of agenda, once the way the engine read zones before the cache (a fresh
// ical.js Timezone per calendar, expanded from DTSTART: `reference`), then with the cache cold, then warm.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectBytes } from '../../cli/commands/inspect';
import { expandAgenda } from '../../shared/itip/agenda';
import { readInput } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import type { CalendarObject, StoredEvent } from '../../shared/itip/types';
import { configureZoneCache, MAX_ZONE_DEFINITIONS } from '../../shared/itip/zones/vtimezone';
import { invitationInZone } from '../fixtures/zone-zoo';

const corpus = resolve(process.env.CONVENE_CORPUS ?? join(__dirname, '../../../shared/corpus'));
const present = existsSync(join(corpus, 'MANIFEST.tsv'));
if (!present) console.warn(`[zone-cache] corpus not found at ${corpus}: suite skipped (set CONVENE_CORPUS)`);

const ME = ['me@example.com'];
const CTX = { me: ME, policy: 'always' as const, knownContacts: [], now: '2026-06-01T00:00:00Z' };

/** What the engine answers for one message: inspect's JSON, the decision, and the agenda of what it would store. */
async function answers(name: string, bytes: Uint8Array): Promise<unknown> {
  const inspected = await inspectBytes(bytes, name, ME);
  const r = await readInput(bytes, name);
  const decision = processRead(r.itip, r.problems, undefined, CTX);
  // The agenda of every calendar the message carries, stored as is (whatever the decision), over 14 months.
  const agenda: unknown[] = [];
  for (const { calendar } of r.calendars) {
    const ev = storedOf(calendar);
    const start = ev?.master?.start?.utc ?? ev?.overrides[0]?.start?.utc ?? null;
    if (!ev || !start) continue;
    const t = Date.parse(start);
    agenda.push(expandAgenda([ev], new Date(t - 40 * 86_400_000).toISOString(), new Date(t + 400 * 86_400_000).toISOString()));
  }
  return JSON.parse(JSON.stringify({ inspected, decision, agenda }));
}

function storedOf(c: CalendarObject): StoredEvent | null {
  const master = c.components.find((x) => x.recurrenceId === null) ?? null;
  const overrides = c.components.filter((x) => x.recurrenceId !== null);
  const uid = (master ?? overrides[0])?.uid;
  if (!uid) return null;
  const base = { replies: [], pending: [], cancelled: false, myAddress: null, updatedAt: '2026-01-01T00:00:00Z' };
  return { uid, role: 'attendee', master, overrides, vtimezones: c.vtimezones, ...base };
}

function files(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const sub of ['eml', 'ics']) {
    const dir = join(corpus, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) out.push({ name: `${sub}/${f}`, bytes: new Uint8Array(readFileSync(join(dir, f))) });
  }
  for (let i = 0; i < 40; i++) out.push({ name: `zone-${i}.eml`, bytes: new TextEncoder().encode(invitationInZone(i)) });
  return out;
}

async function all(list: { name: string; bytes: Uint8Array }[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const f of list) out.set(f.name, await answers(f.name, f.bytes));
  return out;
}

afterAll(() => configureZoneCache({ reference: false, maxDefinitions: MAX_ZONE_DEFINITIONS, clear: true }));

describe.skipIf(!present)('zone cache over the corpus', { timeout: 600_000 }, () => {
  it('inspect, decide and agenda answer exactly as before the cache, cold and warm', async () => {
    const list = files();
    expect(list.length).toBeGreaterThanOrEqual(140);

    configureZoneCache({ reference: true, clear: true });
    const before = await all(list);

    configureZoneCache({ reference: false, clear: true });
    const cold = await all(list);
    const warm = await all(list);

    let withAgenda = 0;
    for (const f of list) {
      expect(cold.get(f.name), `${f.name} (cold cache)`).toEqual(before.get(f.name));
      expect(warm.get(f.name), `${f.name} (warm cache)`).toEqual(before.get(f.name));
      if ((before.get(f.name) as { agenda: unknown[][] }).agenda.some((a) => a.length > 0)) withAgenda++;
    }
    // The comparison covers real expansions, not only empty agendas.
    expect(withAgenda).toBeGreaterThanOrEqual(120);
  });
});
