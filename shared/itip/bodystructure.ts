// imapflow's parsed BODYSTRUCTURE (dist/esm/tools.js parseBodystructure) → MimeNode, so detection on the server's
// structure (before fetching any body) follows exactly the rules used for raw messages.
//
// imapflow's shape: { part?: '1.2', type: 'text/calendar', parameters?: {method, charset, name}, encoding?, size?,
// disposition?: 'attachment', dispositionParameters?: {filename}, childNodes?: [...] }. The root has no `part`. For
// message/rfc822, childNodes holds ONE node: the encapsulated body, walked with the SAME part number as the
// message part itself, so a single-part inner body must be renumbered P.1 (RFC 3501 §6.4.5).

import type { MimeNode } from './types';

type Bs = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

function params(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') {
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      const s = str(val);
      if (s !== null) out[k.toLowerCase()] = s;
    }
  }
  return out;
}

export function mimeTreeFromBodyStructure(bs: unknown): MimeNode {
  return convert(bs, null, 0);
}

function convert(raw: unknown, forcedPath: string | null, depth: number): MimeNode {
  const n: Bs = raw && typeof raw === 'object' ? (raw as Bs) : {};
  const type = (str(n.type) ?? 'text/plain').toLowerCase().trim() || 'text/plain';
  const multipart = type.startsWith('multipart/');
  const path = forcedPath ?? str(n.part) ?? (multipart ? '' : '1');
  const p = params(n.parameters);
  const dp = params(n.dispositionParameters);
  const disp = (str(n.disposition) ?? '').toLowerCase();
  const node: MimeNode = {
    path,
    contentType: type,
    params: p,
    disposition: disp === 'inline' || disp === 'attachment' ? disp : null,
    filename: dp.filename ?? p.name ?? null,
    encoding: str(n.encoding)?.toLowerCase() ?? null,
    size: typeof n.size === 'number' ? n.size : null,
    children: [],
  };
  const kids = Array.isArray(n.childNodes) ? (n.childNodes as unknown[]) : [];
  if (depth > 60) return node;
  if (multipart) {
    node.children = kids.map((k) => convert(k, null, depth + 1));
  } else if ((type === 'message/rfc822' || type === 'message/global') && kids[0]) {
    const innerType = (str((kids[0] as Bs).type) ?? '').toLowerCase();
    node.message = convert(kids[0], innerType.startsWith('multipart/') ? path : `${path}.1`, depth + 1);
  }
  return node;
}
