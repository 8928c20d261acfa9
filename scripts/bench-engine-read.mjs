// The reading half of the engine bench (issue 9 §1): inspect+decide over the corpus, messages that each bring their
// own zone, and the big invitation read first in a fresh process. Each figure is min / median / max over 3 runs, next to
// its target, "after" (zones computed once) and "before" (zones read as before the cache: a fresh ical.js Timezone per
// calendar, expanded from DTSTART; the rest of the engine is today's). Called by bench-engine.mjs; prints, asserts nothing.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { fmt, minMedMax, stats } from './bench-stats.mjs';

const RUNS = 3;
const ME = ['me@example.com'];
const CTX = { me: ME, policy: 'always', knownContacts: [], now: '2026-06-01T00:00:00Z' };

/**
 * CPU time of this process's main thread in ms (Linux /proc; 10 ms ticks), or NaN elsewhere. On a shared machine the
 * wall clock says how busy the neighbours are; the main thread's CPU time says what the work costs.
 */
export function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** What `convene process` does per message before storing: read, inspect, validate and decide. */
async function inspectAndDecide(E, f) {
  const r = await E.readInput(f.bytes, f.name);
  E.inspectResult(r, ME);
  E.processRead(r.itip, r.problems, undefined, CTX);
}

/** Messages per second over `list` (wall clock, and per second of main-thread CPU), repeated until at least `minMs`. */
async function rate(E, list, minMs) {
  let n = 0;
  const c0 = mainThreadCpuMs();
  const t0 = performance.now();
  do {
    for (const f of list) await inspectAndDecide(E, f);
    n += list.length;
  } while (performance.now() - t0 < minMs);
  return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((mainThreadCpuMs() - c0) / 1000) };
}

function zoneMessages(E, from, count) {
  const out = [];
  for (let i = from; i < from + count; i++) out.push({ name: `zone-${i}.eml`, bytes: new TextEncoder().encode(E.invitationInZone(i)) });
  return out;
}

/** Stored events (as the store keeps them) of weekly invitations written in W. Europe Standard Time from 1601. */
async function zoneEvents(E, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const eml = E.invitationInZone(i, { tzid: 'W. Europe Standard Time', text: E.W_EUROPE });
    const c = (await E.readInput(new TextEncoder().encode(eml), 'x.eml')).itip.calendar;
    const master = c.components.find((x) => !x.recurrenceId) ?? null;
    const overrides = c.components.filter((x) => x.recurrenceId);
    out.push({ uid: `zone-${i}`, role: 'attendee', master, overrides, vtimezones: c.vtimezones, replies: [], pending: [], cancelled: false, myAddress: null, updatedAt: '2026-01-01T00:00:00Z' });
  }
  return out;
}

/** One fresh process: load the bundle, build the invitation, time its first inspect. */
function bigInviteFirstRead(bundle, reference) {
  const code = `
    const E = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    if (${reference}) E.configureZoneCache({ reference: true });
    const { eml, overrides } = E.bigInvite({ overrides: 2000, targetBytes: 1_500_000 });
    const bytes = new TextEncoder().encode(eml);
    const { mainThreadCpuMs } = await import(${JSON.stringify(import.meta.url)});
    const c = mainThreadCpuMs();
    const t = performance.now();
    const o = await E.inspectBytes(bytes, 'big.eml', ['me@example.com']);
    const ms = performance.now() - t;
    const cpu = mainThreadCpuMs() - c;
    process.stdout.write(JSON.stringify({ ms, cpu, mb: bytes.length / 1e6, overrides, components: o.components }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`big invite child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export async function runReadBench(E, bundle, files, log, results) {
  log(`-- reading (issue 9 §1): min / median / max over ${RUNS} runs; load average ${loadavg().map((l) => fmt(l, 1)).join(' ')} on ${fmt(2)} cores shared`);
  for (const mode of ['after', 'before']) {
    E.configureZoneCache({ reference: mode === 'before', clear: true });
    const r = {};
    if (files.length > 0) {
      for (const f of files) await inspectAndDecide(E, f); // warm-up: JIT, lazy tables, and the zones of the corpus
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await rate(E, files, 1000));
      r.corpus = { wall: stats(runs.map((x) => x.wall)), cpu: stats(runs.map((x) => x.cpu)) };
      log(`${mode}: inspect+decide over the corpus (${files.length} files): ${minMedMax(runs.map((x) => x.wall), 'messages/s')}; per CPU second ${minMedMax(runs.map((x) => x.cpu), '')} (target ≥ 5,000/s)`);
    }
    // Every message its own zone definition: each run reads 600 zones never seen before (the cache cannot help; the
    // windowed expansion must).
    const zoneRuns = [];
    for (let i = 0; i < RUNS; i++) {
      const list = zoneMessages(E, (mode === 'before' ? 100_000 : 0) + i * 600, 600);
      zoneRuns.push(await rate(E, list, 0));
    }
    r.distinctZones = { wall: stats(zoneRuns.map((x) => x.wall)), cpu: stats(zoneRuns.map((x) => x.cpu)) };
    log(`${mode}: inspect+decide, no two messages sharing a zone: ${minMedMax(zoneRuns.map((x) => x.wall), 'messages/s')}; per CPU second ${minMedMax(zoneRuns.map((x) => x.cpu), '')} (target ≥ 2,000/s)`);
    const big = [];
    for (let i = 0; i < RUNS; i++) big.push(bigInviteFirstRead(bundle, mode === 'before'));
    r.bigInviteFirstReadMs = { wall: stats(big.map((x) => x.ms)), cpu: stats(big.map((x) => x.cpu)) };
    const info = big[0];
    log(
      `${mode}: ${fmt(info.mb, 2)} MB invitation with ${fmt(info.overrides)} overrides, first read in a fresh process: ` +
        `${minMedMax(big.map((x) => x.ms), 'ms')}; main-thread CPU ${minMedMax(big.map((x) => x.cpu), 'ms')} (target < 300 ms)`,
    );
    // The agenda re-reads every event's VTIMEZONEs: one month over weekly series in Exchange's 1601 zone.
    const events = await zoneEvents(E, 300);
    const agenda = [];
    for (let i = 0; i < (mode === 'after' ? RUNS : 1); i++) {
      E.configureZoneCache({ reference: mode === 'before', clear: true });
      const c0 = mainThreadCpuMs();
      const t = performance.now();
      E.expandAgenda(events, '2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z');
      agenda.push({ ms: performance.now() - t, cpu: mainThreadCpuMs() - c0 });
    }
    r.agendaMs = { wall: stats(agenda.map((x) => x.ms)), cpu: stats(agenda.map((x) => x.cpu)) };
    log(`${mode}: agenda for one month over ${events.length} weekly series in a 1601 Exchange zone: ${minMedMax(agenda.map((x) => x.ms), 'ms')}; main-thread CPU ${minMedMax(agenda.map((x) => x.cpu), 'ms')}`);
    results[mode === 'after' ? 'read' : 'readBefore'] = r;
  }
  E.configureZoneCache({ reference: false, clear: true });
}
