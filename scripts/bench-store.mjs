#!/usr/bin/env node
// The calendar store at the size of a real mailbox's history (issue 9), figures only (never asserted):
// generates the fixture itself (one third each UTC, Europe/Berlin with a VTIMEZONE from 1970, and Windows "W. Europe
// Standard Time" with the 1601 VTIMEZONE Exchange sends; every tenth a weekly series; each event with its
// processed-message and thread records; a fifth of them invitation threads of two messages, 10,000 at 50,000), then
// measures in a fresh process per run: open, the list's first screen (listInvitationPage, 100 rows, as the app asks
// for it: read from the store's summary rows), agenda for one month (first call, and again from the expansion cache),
// opening one invitation (its conflict check), the process RSS after open + first screen + one agenda, then the whole
// list (listInvitations, every row). Min / median / max over 3 runs, at 10k / 25k / 50k events.
//   node scripts/bench-store.mjs [--sizes 10000,25000,50000] [--runs 3]
import { bundleEntry, fmt, minMedMax, stats } from './bench-stats.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

const ME = ['me@example.com'];
const MONTH = ['2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z'];

/** Child: write the fixture of `n` events into `dir`. */
async function generate(E, dir, n) {
  const random = E.rng(20260901 + n);
  const s = await E.CalendarStore.open(dir, { durable: false });
  const invitations = Math.round(n / 5);
  for (let i = 0; i < n; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const ev = E.fixtureEvent(j, random);
      const invitation = j % 5 === 0 && j / 5 < invitations;
      if (!invitation) ev.role = j % 2 ? 'organizer' : 'personal';
      batch.push({ type: 'put', event: ev });
      const msgs = invitation ? 2 : 1;
      for (let m = 0; m < msgs; m++) {
        const key = `acct-1/INBOX/${j * 2 + m}`;
        const action = m === 0 ? 'created' : 'updated';
        batch.push({ type: 'processed', key, record: { action, uid: ev.uid, reason: 'bench', at: '2026-01-01T00:00:00Z', account: 'acct-1', mailbox: 'INBOX', imapUid: j * 2 + m, messageId: `<${j}.${m}@example.com>` } });
        batch.push({ type: 'thread', uid: ev.uid, entry: { key, method: 'REQUEST', from: 'org@example.com', subject: ev.master.summary, date: `2026-01-${String(1 + (j % 28)).padStart(2, '0')}T10:00:00Z`, action, reason: 'bench' } });
      }
    }
    await s.commit(batch);
  }
  // The app listed it before (its rows' badges are for my addresses, as after any earlier session).
  E.invitationPage(s, { offset: 0, limit: 0 }, { me: ME, accountFor: () => 'acct-1' });
  await s.compact();
  const st = s.stats();
  await s.close();
  return st;
}

/** Child: one measured run over an existing store (a fresh process, so open and RSS are those of a start). */
async function measure(E, dir) {
  const ctx = { me: ME, now: '2025-06-10T08:00:00Z', accountFor: () => 'acct-1' };
  let t = performance.now();
  const s = await E.CalendarStore.open(dir);
  const openMs = performance.now() - t;
  t = performance.now();
  // The app's first screen: one page of the list, with its total and the count per filter.
  const first = E.invitationPage(s, { offset: 0, limit: 100 }, ctx);
  const listMs = performance.now() - t;
  const expand = (ev, f, to) => s.expand(ev, f, to);
  t = performance.now();
  const occ = E.agendaView(s.window(MONTH[0], MONTH[1]), MONTH[0], MONTH[1], ME, expand);
  const agendaMs = performance.now() - t;
  global.gc?.();
  const rss = process.memoryUsage().rss;
  t = performance.now();
  E.agendaView(s.window(MONTH[0], MONTH[1]), MONTH[0], MONTH[1], ME, expand);
  const agendaCachedMs = performance.now() - t;
  // One invitation in that month (a weekly series from Exchange, the costliest kind): its detail with the conflict
  // check, which reads only the series around its next occurrences.
  const target = s.window(MONTH[0], MONTH[1]).find((e) => e.master?.rrule && e.vtimezones.some((z) => z.includes('16010101')) && e.role === 'attendee')
    ?? s.window(MONTH[0], MONTH[1]).find((e) => e.role === 'attendee');
  t = performance.now();
  const detail = E.detailView(target, s.thread(target.uid), (f, to) => s.window(f, to), ctx, expand);
  const conflictMs = performance.now() - t;
  t = performance.now();
  const list = E.invitationList(s, ctx);
  const fullListMs = performance.now() - t;
  await s.close();
  return { openMs, listMs, fullListMs, agendaMs, agendaCachedMs, conflictMs, rss, listed: list.length, page: first.items.length, total: first.total, occurrences: occ.length, conflicts: detail.conflicts.length };
}

async function main() {
  const [mode, bundlePath, dir, n] = args;
  if (mode === '--child-generate' || mode === '--child-measure') {
    const E = await import(pathToFileURL(bundlePath).href);
    const out = mode === '--child-generate' ? await generate(E, dir, Number(n)) : await measure(E, dir);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const sizes = opt('sizes', '10000,25000,50000').split(',').map(Number);
  const runs = Number(opt('runs', '3'));
  const work = mkdtempSync(join(root, 'node_modules', '.convene-bench-store-'));
  const child = (...a) => {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...a], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
  try {
    const bundlePath = await bundleEntry('scripts/bench-store-entry.ts', join(work, 'bench-store-bundle.mjs'));
    console.log(`== store bench: ${sizes.map((s) => fmt(s)).join(' / ')} events, ${runs} runs each (min / median / max), agenda ${MONTH[0].slice(0, 7)}`);
    const rows = [];
    for (const size of sizes) {
      const dir = join(work, `store-${size}`);
      let t = performance.now();
      const st = child('--child-generate', bundlePath, dir, String(size));
      const genMs = performance.now() - t;
      const r = [];
      for (let k = 0; k < runs; k++) r.push(child('--child-measure', bundlePath, dir));
      rows.push({ size, r });
      console.log(`-- ${fmt(size)} events (${fmt(st.processed)} processed records, ${fmt(st.threads)} threads; calendar.db ${fmt(st.dbBytes / 1048576, 1)} MiB; written in ${fmt(genMs / 1000, 1)} s)`);
      const line = (label, key, target, d = 0, unit = 'ms', scale = 1) => console.log(`   ${label.padEnd(44)} ${minMedMax(r.map((x) => x[key] / scale), unit, d).padEnd(28)} ${target}`);
      line('open', 'openMs', 'target < 300 ms');
      line(`list, first screen (${r[0].page} of ${fmt(r[0].total)} rows + counts)`, 'listMs', '');
      line(`agenda one month (${fmt(r[0].occurrences)} occurrences), first call`, 'agendaMs', 'target < 100 ms');
      line('agenda one month again (expansion cache)', 'agendaCachedMs', '');
      line(`open one invitation: conflict check (${r[0].conflicts} found)`, 'conflictMs', 'target < 20 ms');
      line('main-process RSS after open + list + agenda', 'rss', 'target < 150 MB', 0, 'MB', 1e6);
      line(`whole list (listInvitations, ${fmt(r[0].listed)} rows)`, 'fullListMs', '');
    }
    console.log('-- growth (medians): events → open, RSS, agenda, list');
    for (const { size, r } of rows) {
      const m = (k, s = 1) => stats(r.map((x) => x[k] / s)).median;
      console.log(`   ${fmt(size).padStart(7)}  open ${fmt(m('openMs'))} ms, RSS ${fmt(m('rss', 1e6))} MB, agenda ${fmt(m('agendaMs'))} ms, list first screen ${fmt(m('listMs'))} ms, whole list ${fmt(m('fullListMs'))} ms`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
