// Files: a message (.eml) or calendar (.ics) read from disk goes through the engine and the one apply path
// (planApply), for the app (a file the user opens) and for `convene process` alike. Keyed by the content hash, so
// the same bytes are the same message in the app and on the command line (`--store` is the same store).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { OpenFileOutcome, OpenFileRequest } from '../../shared/api';
import { AppError } from '../../shared/errors';
import { normalizeAddress } from '../../shared/itip/address';
import { decisionUid, planApply } from '../../shared/itip/apply';
import { readInput, type ReadResult } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import type { DecideContext, Decision, ItipMessage } from '../../shared/itip/types';
import type { CalendarStore } from '../store/calendar-store';

/** The processed key of a file: its content hash (one key for the app and the command line). */
export function contentKey(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Organizers of stored events: known contacts for the 'known' policy. Lower-case. */
export function organizersOf(store: Pick<CalendarStore, 'all'>): Set<string> {
  const known = new Set<string>();
  for (const ev of store.all()) {
    const org = ev.master?.organizer?.email ?? ev.overrides[0]?.organizer?.email;
    if (org) known.add(normalizeAddress(org));
  }
  return known;
}

export interface FileOptions {
  /**
   * Show an event file without METHOD (an exported .ics) as published: RFC 5546 §3.2.1 PUBLISH is exactly "here is
   * an event, no replies expected". The app does (the user opened it); `convene process` reports it as not iMIP.
   */
  eventFileAsPublish?: boolean;
  /** Thread labels for a file without mail headers (the app shows "file NAME"); null when absent. */
  label?: { from: string; subject: string };
}

export interface FileOutcome {
  decision: Decision;
  read: ReadResult | null;
  /** The UID the file concerns (stored or not). */
  uid: string | null;
}

/**
 * Reads, decides and applies one file in one store commit. Never throws for bad input (an engine failure is a
 * rejected decision and changes nothing); store I/O failures are AppErrors.
 */
export async function applyFile(store: CalendarStore, name: string, bytes: Uint8Array, ctx: DecideContext, opts: FileOptions = {}): Promise<FileOutcome> {
  let read: ReadResult | null = null;
  let decision: Decision;
  let itip: ItipMessage | null = null;
  try {
    read = await readInput(bytes, name);
    itip = read.itip;
    if (!itip && opts.eventFileAsPublish) {
      const cal = read.calendars.find((c) => c.calendar.components.some((x) => x.uid) && c.calendar.method === null);
      if (cal) itip = { method: 'PUBLISH', calendar: { ...cal.calendar, method: 'PUBLISH' }, methodParam: null, envelope: read.envelope, part: cal.part };
    }
    const eventUid = itip?.calendar.components.find((c) => c.uid)?.uid;
    decision = processRead(itip, read.problems, eventUid ? store.get(eventUid) : undefined, ctx);
  } catch (err) {
    // A bug in the engine must not touch the store: loud, and a decision the caller can show.
    console.error('convene: processing failed for', name, err);
    return { decision: { action: 'rejected', uid: null, reason: `internal error: ${err instanceof Error ? err.message : String(err)}` }, read, uid: null };
  }
  const key = contentKey(bytes);
  const record = store.processedRecord(key);
  const entry = record?.uid ? store.thread(record.uid).find((t) => t.key === key) : undefined;
  const changes = planApply({
    decision,
    messages: [
      {
        key,
        source: 'file',
        method: itip?.method ?? null,
        from: read.envelope?.from ?? opts.label?.from ?? null,
        subject: read.envelope?.subject ?? opts.label?.subject ?? null,
        date: read.envelope?.date ?? (opts.label ? ctx.now : null),
        messageId: read.envelope?.messageId ?? null,
        ...(record ? { record } : {}),
        ...(entry ? { entry } : {}),
      },
    ],
    at: ctx.now,
  });
  if (changes.length) await store.commit(changes);
  return { decision, read, uid: decisionUid(decision) };
}

export interface OpenedFilesDeps {
  calendar: CalendarStore;
  /** My addresses (every account's, or the local identity). */
  me(): string[];
  knownContacts(): string[];
  now(): Date;
  /** Keeps the file's bytes, so the mail it holds can be shown later (issue 11 §12). */
  keep?(bytes: Uint8Array): void;
}

/**
 * A file the user opens (file picker, file association, second instance): processed with the 'always' policy (the
 * user chose to open it), an event file shown as published.
 */
export async function openFile(deps: OpenedFilesDeps, req: OpenFileRequest): Promise<OpenFileOutcome> {
  const bytes = new Uint8Array(Buffer.from(req.contentBase64, 'base64'));
  if (bytes.length === 0) throw new AppError('BAD_REQUEST', 'the file is empty');
  const name = basename(req.name);
  deps.keep?.(bytes);
  const { decision, read, uid } = await applyFile(
    deps.calendar,
    req.name,
    bytes,
    { me: deps.me(), policy: 'always', knownContacts: deps.knownContacts(), now: deps.now().toISOString() },
    { eventFileAsPublish: true, label: { from: `file ${name}`, subject: name } },
  );
  return {
    uid: uid && deps.calendar.get(uid) ? uid : null,
    action: decision.action,
    reason: decision.reason,
    problems: (decision.problems ?? read?.problems ?? []).map((p) => ({ code: p.code, severity: p.severity, message: p.message })),
  };
}
