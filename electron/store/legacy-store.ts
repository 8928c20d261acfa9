// The reader of the store format before SQLite (snapshot.jsonl + journal.jsonl, CRC-framed lines). Kept only to
// migrate such a store on its first open, and for `convene store check` / `repair` on one that was not migrated.
//
// What counts as damage (issue 10 §6): a snapshot was fsynced before it was renamed into place, so any bad line in
// it is damage. In the journal, only the *last* line may be bad (a commit torn by a crash, never acknowledged); a bad
// line followed by an intact one is damage in the middle: the later commits were acknowledged and must not vanish.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { StoredEvent } from '../../shared/itip/types';
import type { ProcessedRecord, ThreadEntry } from './calendar-store';

export const LEGACY_FILES = { snapshot: 'snapshot.jsonl', journal: 'journal.jsonl', snapshotTmp: 'snapshot.jsonl.tmp' } as const;
const FORMAT = 1;

type Op =
  | { o: 'put'; e: StoredEvent }
  | { o: 'del'; u: string }
  | { o: 'proc'; k: string; r: ProcessedRecord }
  | { o: 'thr'; u: string; t: ThreadEntry };

/** One damaged record: the file and the 1-based line. */
export interface LegacyDamage {
  file: string;
  line: number;
  message: string;
}

export interface LegacyState {
  events: Map<string, StoredEvent>;
  processed: Map<string, ProcessedRecord>;
  threads: Map<string, ThreadEntry[]>;
  /** Journal lines dropped as the torn tail (never acknowledged). */
  tornTail: number;
  /** Damage that is not a torn tail: the state then holds every intact record, and nothing of the damaged ones. */
  damage: LegacyDamage[];
}

export function hasLegacyStore(dir: string): boolean {
  return existsSync(join(dir, LEGACY_FILES.snapshot)) || existsSync(join(dir, LEGACY_FILES.journal));
}

/** Returns the JSON text of a framed line, or null when the line is torn or its checksum is wrong. */
function unframe(line: string): string | null {
  const tab = line.lastIndexOf('\t');
  if (tab < 0) return null;
  const json = line.slice(0, tab);
  if (crc32(json).toString(16) !== line.slice(tab + 1)) return null;
  return json;
}

function parseLine(line: string): unknown {
  const json = unframe(line);
  if (json === null) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function apply(state: LegacyState, op: Op): void {
  switch (op?.o) {
    case 'put':
      if (op.e && typeof op.e.uid === 'string') state.events.set(op.e.uid, op.e);
      break;
    case 'del':
      state.events.delete(op.u);
      break;
    case 'proc':
      state.processed.set(op.k, op.r);
      break;
    case 'thr': {
      const list = state.threads.get(op.u) ?? [];
      const at = list.findIndex((t) => t.key === op.t.key);
      if (at >= 0) list[at] = op.t;
      else list.push(op.t);
      state.threads.set(op.u, list);
      break;
    }
  }
}

/**
 * Reads a legacy store, keeping every intact record. Damage (see the file comment) is reported in `damage`, never
 * thrown: the caller decides (migration refuses, repair keeps what is intact).
 */
export function readLegacyStore(dir: string): LegacyState {
  const state: LegacyState = { events: new Map(), processed: new Map(), threads: new Map(), tornTail: 0, damage: [] };
  let generation = 0;
  const snapPath = join(dir, LEGACY_FILES.snapshot);
  if (existsSync(snapPath)) {
    const lines = readFileSync(snapPath, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let header: { format?: number; g?: number } | null = null;
    let trailer: { count?: number } | null = null;
    let count = 0;
    lines.forEach((line, i) => {
      if (trailer) return;
      const rec = parseLine(line) as (Op & { end?: boolean; count?: number; format?: number; g?: number }) | undefined;
      if (rec === undefined || rec === null || typeof rec !== 'object') {
        state.damage.push({ file: LEGACY_FILES.snapshot, line: i + 1, message: 'damaged record (checksum or JSON)' });
        return;
      }
      if (i === 0 && 'format' in rec) {
        header = rec;
        if (rec.format !== FORMAT) state.damage.push({ file: LEGACY_FILES.snapshot, line: 1, message: `unknown format ${String(rec.format)}` });
        return;
      }
      if (rec.end) {
        trailer = rec;
        return;
      }
      apply(state, rec);
      count++;
    });
    if (!header) state.damage.push({ file: LEGACY_FILES.snapshot, line: 1, message: 'header missing' });
    const t = trailer as { count?: number } | null;
    if (!t) state.damage.push({ file: LEGACY_FILES.snapshot, line: lines.length, message: 'incomplete: the end record is missing' });
    else if (t.count !== count && state.damage.length === 0) {
      state.damage.push({ file: LEGACY_FILES.snapshot, line: lines.length, message: `holds ${count} records, its end record says ${t.count}` });
    }
    generation = (header as { g?: number } | null)?.g ?? 0;
  }
  const jPath = join(dir, LEGACY_FILES.journal);
  if (existsSync(jPath)) {
    const text = readFileSync(jPath, 'utf8');
    const lines = text.split('\n');
    // The text after the last newline is an unfinished append: never acknowledged.
    const unfinished = lines.pop() ?? '';
    if (unfinished.length > 0) state.tornTail++;
    const parsed = lines.map((l) => parseLine(l) as { g?: number; ops?: Op[] } | undefined);
    let lastGood = -1;
    parsed.forEach((r, i) => {
      if (r && Array.isArray(r.ops)) lastGood = i;
    });
    parsed.forEach((r, i) => {
      if (!r || !Array.isArray(r.ops)) {
        if (i > lastGood) state.tornTail++;
        else state.damage.push({ file: LEGACY_FILES.journal, line: i + 1, message: 'damaged record followed by intact ones' });
        return;
      }
      // Lines of an older generation are already in the snapshot (a crash between its rename and the journal reset).
      if (r.g !== generation) return;
      for (const op of r.ops) apply(state, op);
    });
  }
  return state;
}
