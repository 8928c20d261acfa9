// Detection without downloading the mailbox, in two passes:
//  1. FETCH (UID FLAGS BODYSTRUCTURE) for a UID window: a few hundred bytes per message. The structure goes through
//     the engine's own rules (mimeTreeFromBodyStructure → findCalendarParts), so the server's view and a raw file
//     give the same parts.
//  2. For the messages that have calendar parts only: one UID FETCH per distinct set of part paths (most messages of
//     a mailbox share '1.2' or '2', so a batch needs one to three round trips), asking for the envelope header fields
//     and BODY.PEEK[path] of the calendar parts. PEEK: reading an invitation must not mark the mail \Seen.
import type { FetchMessageObject, ImapFlow, MailboxObject } from 'imapflow';
import { mimeTreeFromBodyStructure } from '../../../shared/itip/bodystructure';
import { findCalendarParts } from '../../../shared/itip/detect';
import type { CalendarPartRef, MailEnvelope } from '../../../shared/itip/types';
import { ENVELOPE_HEADERS, envelopeFromHeaders } from './calendar-parts';
import { assertSelected } from './connection';
import { compressUids } from './keywords';

export interface StructureHit {
  uid: number;
  parts: CalendarPartRef[];
}

export interface StructurePassResult {
  /** Messages with calendar parts. */
  hits: StructureHit[];
  /** Messages seen in the window. */
  count: number;
  /** Highest UID seen (0 when none). */
  maxUid: number;
}

/** Pass 1 over a UID set (`'101:2100'`, `'5:*'`); `changedSince` adds CHANGEDSINCE (RFC 7162 CONDSTORE). */
export async function structurePass(client: ImapFlow, uidRange: string, opts: { changedSince?: bigint; minUid?: number } = {}): Promise<StructurePassResult> {
  const hits: StructureHit[] = [];
  let count = 0;
  let maxUid = 0;
  const fetchOpts = opts.changedSince !== undefined ? { uid: true, changedSince: opts.changedSince } : { uid: true };
  // imapflow's fetch() returns nothing, without an error, once the connection is gone (see assertSelected): an empty
  // window is only believed when the mailbox is still selected after the FETCH.
  assertSelected(client);
  const path = (client.mailbox as MailboxObject).path;
  // No FLAGS here: they cost about 10% of the parsing time for every message; the few hits get theirs in pass 2.
  for await (const msg of client.fetch(uidRange, { uid: true, bodyStructure: true }, fetchOpts)) {
    // 'N:*' with N above the highest UID still returns the last message (RFC 3501 §6.4.8): drop it.
    if (opts.minUid !== undefined && msg.uid < opts.minUid) continue;
    count++;
    if (msg.uid > maxUid) maxUid = msg.uid;
    if (!msg.bodyStructure) continue;
    const parts = findCalendarParts(mimeTreeFromBodyStructure(msg.bodyStructure));
    if (parts.length) hits.push({ uid: msg.uid, parts });
  }
  assertSelected(client, path);
  return { hits, count, maxUid };
}

export interface FetchedCalendarMessage {
  uid: number;
  flags: Set<string>;
  envelope: MailEnvelope;
  parts: { part: CalendarPartRef; raw: Buffer }[];
}

/** Pass 2: envelope header fields and the calendar parts alone, grouped by part-path set. */
export async function fetchCalendarParts(client: ImapFlow, hits: StructureHit[]): Promise<FetchedCalendarMessage[]> {
  const groups = new Map<string, StructureHit[]>();
  for (const h of hits) {
    const key = [...new Set(h.parts.map((p) => p.path))].sort().join(' ');
    const g = groups.get(key) ?? [];
    g.push(h);
    groups.set(key, g);
  }
  const byUid = new Map<number, FetchMessageObject>();
  // A message missing below means "expunged between the passes" only if the connection survived the FETCH.
  const path = groups.size && client.mailbox ? client.mailbox.path : undefined;
  for (const [key, group] of groups) {
    assertSelected(client, path);
    const paths = key.split(' ');
    const uids = compressUids(group.map((h) => h.uid));
    for await (const msg of client.fetch(uids, { uid: true, flags: true, headers: ENVELOPE_HEADERS.map((h) => h.toUpperCase()), bodyParts: paths }, { uid: true })) {
      byUid.set(msg.uid, msg);
    }
    assertSelected(client, path);
  }
  const out: FetchedCalendarMessage[] = [];
  for (const h of hits) {
    const msg = byUid.get(h.uid);
    if (!msg) continue; // expunged between the passes
    out.push({
      uid: h.uid,
      flags: msg.flags ?? new Set<string>(),
      envelope: envelopeFromHeaders(msg.headers),
      parts: h.parts.map((part) => ({ part, raw: findPart(msg.bodyParts, part.path) })),
    });
  }
  return out;
}

function findPart(map: Map<string, Buffer> | undefined, path: string): Buffer {
  if (!map) return Buffer.alloc(0);
  return map.get(path) ?? map.get(path.toUpperCase()) ?? map.get(path.toLowerCase()) ?? Buffer.alloc(0);
}

/** Envelopes from a few header fields of a UID set, for contacts: one FETCH of small header fields. */
export async function fetchFromAddresses(client: ImapFlow, uidSet: string, fields: string[]): Promise<MailEnvelope[]> {
  if (!uidSet) return [];
  assertSelected(client);
  const path = (client.mailbox as MailboxObject).path;
  const out: MailEnvelope[] = [];
  for await (const msg of client.fetch(uidSet, { uid: true, headers: fields }, { uid: true })) out.push(envelopeFromHeaders(msg.headers));
  assertSelected(client, path);
  return out;
}
