// A small, synchronous, never-throwing MIME reader (RFC 2045/2046/5322) for incoming mail. Written here rather than
// on mailparser's stream pipeline because the engine must stay pure (no Node streams or Buffers in shared/) and
// because the part numbers must be IMAP BODYSTRUCTURE numbers (RFC 3501 §6.4.5), which mailparser does not expose.
// Charsets are decoded with the WHATWG TextDecoder (ICU), which knows the labels mail uses (windows-1252, iso-8859-x,
// shift_jis, gb18030, koi8-r...).

import { parseAddressList } from './address';
import { lazyField } from './lazy';
import type { MailEnvelope, MimeNode } from './types';

export interface MailMessage {
  envelope: MailEnvelope;
  tree: MimeNode;
  /** The decoded (transfer-encoding removed) body of a leaf part, by IMAP part path; null for multiparts/unknown. */
  bodyOf(path: string): Uint8Array | null;
  /** The first text/plain and text/html bodies of the message itself (not of forwarded messages), decoded. */
  text: string | null;
  html: string | null;
  /** True when the depth or part-count guard cut the tree short: parts past it were not read (issue 10 §8). */
  cutShort: boolean;
}

/** Guards against hostile nesting and part bombs: past these the tree is cut short, never an exception. */
const MAX_DEPTH = 40;
const MAX_NODES = 5000;

interface Leaf {
  src: string;
  start: number;
  end: number;
  encoding: string | null;
}

interface Ctx {
  /** The message's bytes, whose one-char-per-byte string is the top-level `src`. */
  bytes: Uint8Array;
  topSrc: string;
  leaves: Map<string, Leaf>;
  nodes: number;
  cut: boolean;
  /** The first text/plain and text/html bodies of the message itself: decoded only when asked for (lazy.ts). */
  text: TextLeaf | null;
  html: TextLeaf | null;
}

interface TextLeaf extends Leaf {
  charset: string | null;
}

export async function readMime(raw: Uint8Array | string): Promise<MailMessage> {
  return readMimeSync(raw);
}

export function readMimeSync(raw: Uint8Array | string): MailMessage {
  const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw instanceof Uint8Array ? raw : new Uint8Array(0);
  const src = bytesToBinary(bytes);
  const ctx: Ctx = { bytes, topSrc: src, leaves: new Map(), nodes: 0, cut: false, text: null, html: null };
  let tree: MimeNode;
  let headers: Headers = new Map();
  try {
    const parsed = parseEntity(src, 0, src.length, null, 0, false, ctx);
    tree = parsed.node;
    headers = parsed.headers;
  } catch {
    // Defensive: parseEntity is written not to throw, but a tree must always come back.
    tree = { path: '1', contentType: 'text/plain', params: {}, disposition: null, filename: null, encoding: null, size: bytes.length, children: [] };
  }
  const envelope = envelopeOf(headers);
  const mail = {
    envelope,
    tree,
    bodyOf: (path: string) => {
      const leaf = ctx.leaves.get(path);
      if (!leaf) return null;
      // A body without base64/quoted-printable (7bit, 8bit, binary, unknown) is its bytes: copied, not rebuilt.
      if (leaf.src === ctx.topSrc && !TRANSFER_ENCODED.has((leaf.encoding ?? '').toLowerCase().trim())) return ctx.bytes.slice(leaf.start, leaf.end);
      return decodeTransfer(leaf.src.slice(leaf.start, leaf.end), leaf.encoding);
    },
  } as MailMessage;
  // Most readers (inspect, process, sync) never show the text: decode it on first read (lazy.ts).
  const { text, html } = ctx;
  lazyField(mail, 'text', () => (text ? decodeText(text) : null));
  lazyField(mail, 'html', () => (html ? decodeText(html) : null));
  mail.cutShort = ctx.cut;
  return mail;
}

function decodeText(leaf: TextLeaf): string {
  return decodeCharset(decodeTransfer(leaf.src.slice(leaf.start, leaf.end), leaf.encoding), leaf.charset).text;
}

// ---------------------------------------------------------------------------------------------------------------
// Byte helpers

const ASCII = new TextDecoder('utf-8');

/** Uint8Array → a string with one char per byte (0-255), so indexes are byte offsets. */
export function bytesToBinary(bytes: Uint8Array): string {
  // Most mail is 7-bit (RFC 2045 §2.7): ASCII bytes are the same chars in every decoding, and the native decoder is
  // several times faster than building the string in chunks.
  if (isAsciiBytes(bytes)) return ASCII.decode(bytes);
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    // A typed array is array-like: no Array copy of every chunk (this ran for every byte of every message).
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}

/** No byte has its high bit set: tested four bytes at a time over the aligned middle (this ran for every byte). */
function isAsciiBytes(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < head; i++) if (bytes[i]! >= 0x80) return false;
  const words = (n - i) >> 2;
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let k = 0; k < words; k++) if ((w[k]! & 0x80808080) !== 0) return false;
    i += words * 4;
  }
  for (; i < n; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function binaryToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** The encodings decodeTransfer undoes; any other passes through as it is. */
const TRANSFER_ENCODED: ReadonlySet<string> = new Set(['base64', 'quoted-printable']);

/** Removes a Content-Transfer-Encoding (RFC 2045 §6). Unknown encodings pass through as they are. */
export function decodeTransfer(body: string, encoding: string | null): Uint8Array {
  const enc = (encoding ?? '').toLowerCase().trim();
  if (enc === 'base64') return decodeBase64(body);
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return binaryToBytes(body);
}

/** Base64 alphabet value of each char code below 128, -1 for the rest (RFC 2045 §6.8, Table 1). */
const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
/** Value of each hex digit char code below 128, -1 for the rest. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
}

/**
 * RFC 2045 §6.8, leniently: every char outside the alphabet (line breaks, '=' padding, junk) is skipped, as
 * decoders must (§6.8: "ignored"); a lone trailing char (no whole byte) is dropped; trailing bits are discarded.
 * One pass into a byte array (it was a regex, atob and a copy: a third of reading a big invitation's MIME).
 */
function decodeBase64(body: string): Uint8Array {
  const out = new Uint8Array(Math.ceil((body.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let have = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? B64[c]! : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    if (++have === 4) {
      out[n++] = (acc >> 16) & 0xff;
      out[n++] = (acc >> 8) & 0xff;
      out[n++] = acc & 0xff;
      acc = 0;
      have = 0;
    }
  }
  if (have === 2) out[n++] = (acc >> 4) & 0xff;
  else if (have === 3) {
    out[n++] = (acc >> 10) & 0xff;
    out[n++] = (acc >> 2) & 0xff;
  }
  return out.slice(0, n);
}

/** RFC 2045 §6.7: '=' CRLF (or LF, with trailing blanks) is a soft break; '=XX' a byte; a stray '=' is kept (rule 1, robustness note). */
function decodeQuotedPrintable(body: string): Uint8Array {
  const s = body.includes('=') ? body.replace(/=[ \t]*\r?\n/g, '') : body;
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d && i + 2 < s.length) {
      const h = s.charCodeAt(i + 1);
      const l = s.charCodeAt(i + 2);
      const hv = h < 128 ? HEX[h]! : -1;
      const lv = l < 128 ? HEX[l]! : -1;
      if (hv >= 0 && lv >= 0) {
        out[n++] = (hv << 4) | lv;
        i += 2;
        continue;
      }
    }
    out[n++] = c & 0xff;
  }
  return out.slice(0, n);
}

/**
 * Decodes text bytes by charset. With no charset (or a UTF-8 one that lies), invalid UTF-8 falls back to
 * windows-1252 — the usual real-world meaning of "latin1" — and says so with `notUtf8`.
 */
export function decodeCharset(bytes: Uint8Array, charset: string | null): { text: string; notUtf8: boolean } {
  const cs = (charset ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
  if (cs && !/^(utf-?8|us-ascii|ascii)$/.test(cs)) {
    try {
      return { text: decoderFor(cs).decode(bytes), notUtf8: false };
    } catch {
      // unknown label: fall through to the UTF-8 attempt
    }
  }
  try {
    return { text: UTF8_STRICT.decode(bytes), notUtf8: false };
  } catch {
    return { text: WINDOWS_1252.decode(bytes), notUtf8: true };
  }
}

// A TextDecoder without {stream: true} keeps no state between decode() calls: one per label serves every message
// (building one per header and per part was a tenth of reading a small mail).
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });
const WINDOWS_1252 = new TextDecoder('windows-1252');
const decoders = new Map<string, TextDecoder>();
/** Labels remembered (the label comes from the mail: bounded, and an unknown one throws before it is kept). */
const MAX_DECODERS = 64;

function decoderFor(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label); // throws RangeError for an unknown label, as before
    if (decoders.size >= MAX_DECODERS) decoders.clear();
    decoders.set(label, d);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------------------
// Headers

type Headers = Map<string, string[]>;

/** The only header fields the reader looks at: the others (Received, DKIM, ARC...) are skipped, not unfolded. */
const READ_FIELDS: ReadonlySet<string> = new Set([
  'content-type',
  'content-disposition',
  'content-transfer-encoding',
  'from',
  'sender',
  'to',
  'cc',
  'subject',
  'message-id',
  'date',
]);

function parseHeaders(block: string): Headers {
  const h: Headers = new Map();
  const lines = block.split(/\r?\n/);
  // RFC 5322 §2.2.3: a line starting with SPACE or HTAB continues the field before it (joined here with one space,
  // the continuation trimmed). A field whose name is known from its first line and not read is skipped whole.
  let cur: string | null = null; // the unfolded field being built, or null when it is skipped
  let open = false; // a field (kept or skipped) is open: continuation lines belong to it
  const flush = (): void => {
    if (cur === null) return;
    const i = cur.indexOf(':');
    if (i > 0) {
      const name = cur.slice(0, i).trim().toLowerCase();
      if (READ_FIELDS.has(name)) {
        const list = h.get(name);
        const value = cur.slice(i + 1).trim();
        if (list) list.push(value);
        else h.set(name, [value]);
      }
    }
    cur = null;
  };
  for (const l of lines) {
    const c0 = l.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && open) {
      if (cur !== null) cur += ' ' + l.trim();
      continue;
    }
    if (l.trim() === '') continue;
    flush();
    open = true;
    // With a ':' on its first line the name is known now (continuations only add to the value).
    const i = l.indexOf(':');
    cur = i > 0 && !READ_FIELDS.has(l.slice(0, i).trim().toLowerCase()) ? null : l;
  }
  flush();
  return h;
}

const first = (h: Headers, name: string): string | null => h.get(name)?.[0] ?? null;

/** Decodes RFC 2047 encoded words in a header (header bytes are read as UTF-8 when they are raw 8-bit). */
export function decodeWords(value: string): string {
  // ASCII reads the same as UTF-8, and without '=?' there is no encoded word: most values need no work.
  const raw = isAscii(value) ? value : decodeCharset(binaryToBytes(value), null).text;
  if (!raw.includes('=?')) return raw;
  return raw
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)/g, '$1') // §6.2: space between words
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (all, cs: string, enc: string, text: string) => {
      try {
        const bytes =
          enc.toUpperCase() === 'B'
            ? decodeTransfer(text, 'base64')
            : decodeTransfer(text.replace(/_/g, ' '), 'quoted-printable');
        return decodeCharset(bytes, cs.replace(/\*.*$/, '')).text;
      } catch {
        return all;
      }
    });
}

/** 'text/calendar; method=REQUEST; charset="utf-8"' → value and parameters (with RFC 2231 continuations). */
export function parseHeaderValue(v: string): { value: string; params: Record<string, string> } {
  // Split at the ';' outside quoted strings (a '"' after a backslash is no quote).
  const parts: string[] = [];
  let from = 0;
  let quoted = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x22 && v.charCodeAt(i - 1) !== 0x5c) quoted = !quoted;
    else if (c === 0x3b && !quoted) {
      parts.push(v.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(v.slice(from));
  const value = (parts.shift() ?? '').trim().toLowerCase();
  const params: Record<string, string> = {};
  const continued: Record<string, { idx: number; text: string; enc: boolean }[]> = {};
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    let val = p.slice(eq + 1).trim();
    if (val.startsWith('"')) val = val.slice(1, val.endsWith('"') && val.length > 1 ? -1 : undefined).replace(/\\(.)/g, '$1');
    const m = /^([^*]+)\*(?:(\d+)\*?|)$/.exec(key);
    if (m && key.includes('*')) {
      const name = m[1]!;
      (continued[name] ??= []).push({ idx: m[2] ? Number(m[2]) : 0, text: val, enc: key.endsWith('*') });
    } else params[key] = decodeWords(val);
  }
  for (const [name, pieces] of Object.entries(continued)) {
    pieces.sort((a, b) => a.idx - b.idx);
    let charset: string | null = null;
    let bin = '';
    for (const [i, piece] of pieces.entries()) {
      let t = piece.text;
      if (piece.enc && i === 0) {
        // RFC 2231 §4: charset'language'percent-encoded
        const m = /^([^']*)'[^']*'(.*)$/.exec(t);
        if (m) {
          charset = m[1] || null;
          t = m[2] ?? '';
        }
      }
      bin += piece.enc ? t.replace(/%([0-9A-Fa-f]{2})/g, (_a, h: string) => String.fromCharCode(parseInt(h, 16))) : t;
    }
    params[name] = decodeCharset(binaryToBytes(bin), charset).text;
  }
  return { value, params };
}

function envelopeOf(h: Headers): MailEnvelope {
  const dateRaw = first(h, 'date');
  const d = dateRaw ? new Date(dateRaw) : null;
  const subject = first(h, 'subject');
  const froms = (h.get('from') ?? []).flatMap(parseAddressList);
  // Sender is one mailbox (RFC 5322 §3.6.2); a list there names nobody in particular.
  const senders = (h.get('sender') ?? []).flatMap(parseAddressList);
  return {
    // RFC 5322 §3.6.2: From is a mailbox-list; with several mailboxes the Sender field names the one responsible.
    // Several From fields (a malformed message) count as several mailboxes. validate.senderAddresses applies the rule.
    from: froms[0] ?? null,
    ...(froms.length > 1 ? { fromAddresses: froms } : {}),
    sender: senders.length === 1 ? senders[0]! : null,
    to: (h.get('to') ?? []).flatMap(parseAddressList),
    cc: (h.get('cc') ?? []).flatMap(parseAddressList),
    subject: subject === null ? null : decodeWords(subject),
    messageId: first(h, 'message-id')?.trim() || null,
    date: d && !Number.isNaN(d.getTime()) ? d.toISOString() : dateRaw,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Entities

function parseEntity(
  src: string,
  start: number,
  end: number,
  path: string | null,
  depth: number,
  inMessage: boolean,
  ctx: Ctx,
): { node: MimeNode; headers: Headers } {
  ctx.nodes++;
  // Header/body separator: the first empty line (RFC 5322 §2.1). An entity starting with an empty line has none.
  let headerEnd: number;
  let bodyStart: number;
  const lead = /^\r?\n/.exec(src.slice(start, start + 2));
  if (lead) {
    headerEnd = start;
    bodyStart = start + lead[0].length;
  } else {
    const re = /\r?\n\r?\n/g;
    re.lastIndex = start;
    const m = re.exec(src);
    if (m && m.index < end) {
      headerEnd = m.index;
      bodyStart = Math.min(end, m.index + m[0].length);
    } else {
      headerEnd = end;
      bodyStart = end;
    }
  }
  const headers = parseHeaders(src.slice(start, headerEnd));
  const ct = parseHeaderValue(first(headers, 'content-type') ?? 'text/plain');
  let contentType = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(ct.value) ? ct.value : 'text/plain';
  if (!first(headers, 'content-type')) contentType = 'text/plain';
  const cd = parseHeaderValue(first(headers, 'content-disposition') ?? '');
  const disposition = cd.value === 'inline' || cd.value === 'attachment' ? cd.value : null;
  const encoding = first(headers, 'content-transfer-encoding')?.trim().toLowerCase() || null;
  const filename = cd.params.filename || ct.params.name || null;
  const isMultipart = contentType.startsWith('multipart/');
  const myPath = path ?? (isMultipart ? '' : '1');
  const node: MimeNode = {
    path: myPath,
    contentType,
    params: ct.params,
    disposition,
    filename,
    encoding,
    size: end - bodyStart,
    children: [],
  };
  const tooDeep = depth >= MAX_DEPTH || ctx.nodes >= MAX_NODES;
  if (tooDeep && ((isMultipart && ct.params.boundary) || contentType === 'message/rfc822' || contentType === 'message/global')) ctx.cut = true;
  if (isMultipart && ct.params.boundary && !tooDeep) {
    const ranges = splitMultipart(src, bodyStart, end, ct.params.boundary);
    ranges.forEach(([s, e], i) => {
      if (ctx.nodes >= MAX_NODES) {
        ctx.cut = true;
        return;
      }
      const childPath = myPath ? `${myPath}.${i + 1}` : `${i + 1}`;
      node.children.push(parseEntity(src, s, e, childPath, depth + 1, inMessage, ctx).node);
    });
    return { node, headers };
  }
  if (isMultipart) return { node, headers };
  ctx.leaves.set(myPath, { src, start: bodyStart, end, encoding });
  if ((contentType === 'message/rfc822' || contentType === 'message/global') && !tooDeep) {
    // RFC 3501 §6.4.5: the encapsulated message's parts continue the numbering (P.1, P.2...); a single-part inner
    // message's body is P.1, an inner multipart has no number of its own.
    let inner = src;
    let s = bodyStart;
    let e = end;
    if (encoding === 'base64' || encoding === 'quoted-printable') {
      inner = bytesToBinary(decodeTransfer(src.slice(bodyStart, end), encoding));
      s = 0;
      e = inner.length;
    }
    const probe = parseHeaderValue(firstHeaderIn(inner, s, e, 'content-type') ?? 'text/plain');
    const innerPath = probe.value.startsWith('multipart/') && probe.params.boundary ? myPath : `${myPath}.1`;
    node.message = parseEntity(inner, s, e, innerPath, depth + 1, true, ctx).node;
    return { node, headers };
  }
  if (!inMessage && disposition !== 'attachment' && (contentType === 'text/plain' || contentType === 'text/html')) {
    const leaf: TextLeaf = { src, start: bodyStart, end, encoding, charset: ct.params.charset ?? null };
    if (contentType === 'text/plain') ctx.text ??= leaf;
    else ctx.html ??= leaf;
  }
  return { node, headers };
}

function firstHeaderIn(src: string, start: number, end: number, name: string): string | null {
  const m = /\r?\n\r?\n/.exec(src.slice(start, Math.min(end, start + 65536)));
  const block = src.slice(start, m ? start + m.index : Math.min(end, start + 65536));
  return first(parseHeaders(block), name);
}

/** Body ranges between `--boundary` delimiter lines (RFC 2046 §5.1.1); preamble and epilogue dropped. */
function splitMultipart(src: string, start: number, end: number, boundary: string): [number, number][] {
  const delim = `--${boundary}`;
  const marks: { lineStart: number; after: number; close: boolean }[] = [];
  let i = start;
  while (i < end) {
    const at = src.indexOf(delim, i);
    if (at < 0 || at >= end) break;
    const atLineStart = at === start || src[at - 1] === '\n';
    if (atLineStart) {
      let j = at + delim.length;
      const close = src.startsWith('--', j);
      if (close) j += 2;
      // Transport padding (RFC 2046 §5.1.1) then end of line.
      while (j < end && (src[j] === ' ' || src[j] === '\t')) j++;
      if (j >= end || src[j] === '\r' || src[j] === '\n') {
        let after = j;
        if (src[after] === '\r') after++;
        if (src[after] === '\n') after++;
        let lineStart = at;
        if (lineStart > start && src[lineStart - 1] === '\n') lineStart--;
        if (lineStart > start && src[lineStart - 1] === '\r') lineStart--;
        marks.push({ lineStart, after, close });
        if (close) break;
        i = after;
        continue;
      }
    }
    i = at + delim.length;
  }
  const ranges: [number, number][] = [];
  for (let k = 0; k < marks.length; k++) {
    const m = marks[k]!;
    if (m.close) break;
    const next = marks[k + 1];
    ranges.push([m.after, next ? Math.max(m.after, next.lineStart) : end]);
  }
  return ranges;
}
