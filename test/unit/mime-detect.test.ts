import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mimeTreeFromBodyStructure } from '../../shared/itip/bodystructure';
import { findCalendarParts } from '../../shared/itip/detect';
import { readMime } from '../../shared/itip/mime';

const fx = (name: string) => readFileSync(join(__dirname, '../fixtures/mime', name));
const dec = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);

describe('readMime', () => {
  it('numbers parts like IMAP and decodes base64 bodies and the envelope', async () => {
    const m = await readMime(fx('base64-alt-plus-octet.eml'));
    expect(m.tree.path).toBe('');
    expect(m.tree.children.map((c) => c.path)).toEqual(['1', '2']);
    expect(m.tree.children[0]?.children.map((c) => c.path)).toEqual(['1.1', '1.2']);
    expect(m.tree.children[0]?.children[1]?.contentType).toBe('text/calendar');
    expect(dec(m.bodyOf('1.2'))).toContain('SUMMARY:Café meeting');
    expect(dec(m.bodyOf('2'))).toContain('UID:fx-1');
    expect(m.bodyOf('')).toBeNull();
    expect(m.envelope).toEqual({
      from: 'org@example.com', sender: null, to: ['me@example.com', 'b@example.com'], cc: [],
      subject: 'Einladung: Café', messageId: '<fx@example.com>', date: '2026-03-02T09:00:00.000Z',
    });
    expect(m.text).toBe('You are invited.');
  });

  it('single-part body is part 1; quoted-printable is decoded', async () => {
    const m = await readMime(fx('qp-single.eml'));
    expect(m.tree.path).toBe('1');
    expect(dec(m.bodyOf('1'))).toContain('SUMMARY:Café meeting');
  });

  it('continues numbering inside message/rfc822', async () => {
    const m = await readMime(fx('forwarded-rfc822.eml'));
    const fwd = m.tree.children[1]!;
    expect(fwd.contentType).toBe('message/rfc822');
    expect(fwd.message?.children.map((c) => c.path)).toEqual(['2.1', '2.2']);
    expect(dec(m.bodyOf('2.2'))).toContain('BEGIN:VCALENDAR');
    expect(m.text).toBe('FYI, see below'); // the forwarded text is not the message's own text
  });

  it('never throws on garbage', async () => {
    for (const g of ['', '\r\n\r\n', 'Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x', 'Content-Type: message/rfc822\r\n\r\n']) {
      const m = await readMime(g);
      expect(m.tree).toBeTruthy();
    }
  });
});

describe('findCalendarParts', () => {
  it('finds inline alternative and octet-stream .ics, case-insensitively', async () => {
    const parts = findCalendarParts((await readMime(fx('base64-alt-plus-octet.eml'))).tree);
    expect(parts).toEqual([
      { path: '1.2', contentType: 'text/calendar', methodParam: 'REQUEST', charset: 'UTF-8', filename: null, encoding: 'base64', inAlternative: true, forwarded: false, disposition: null },
      { path: '2', contentType: 'application/octet-stream', methodParam: null, charset: null, filename: 'invite.ics', encoding: 'base64', inAlternative: false, forwarded: false, disposition: 'attachment' },
    ]);
  });

  it('marks forwarded parts and skips multipart/report', async () => {
    const fwd = findCalendarParts((await readMime(fx('forwarded-rfc822.eml'))).tree);
    expect(fwd.map((p) => [p.path, p.forwarded, p.inAlternative])).toEqual([['2.2', true, true]]);
    expect(findCalendarParts((await readMime(fx('dsn-bounce.eml'))).tree)).toEqual([]);
  });
});

describe('mimeTreeFromBodyStructure', () => {
  // Shapes as imapflow's parseBodystructure produces them (dist/esm/tools.js).
  it('converts multipart with a .ics attachment and gives the same detection as the raw message', async () => {
    const bs = {
      type: 'multipart/mixed',
      parameters: { boundary: 'OUT' },
      childNodes: [
        { part: '1', type: 'multipart/alternative', childNodes: [
          { part: '1.1', type: 'text/plain', parameters: { charset: 'utf-8' }, encoding: '7bit', size: 18 },
          { part: '1.2', type: 'text/calendar', parameters: { method: 'request', charset: 'UTF-8' }, encoding: 'base64', size: 400 },
        ] },
        { part: '2', type: 'application/octet-stream', parameters: { name: 'invite.ics' }, encoding: 'base64', size: 400, disposition: 'attachment', dispositionParameters: { filename: 'invite.ics' } },
      ],
    };
    const tree = mimeTreeFromBodyStructure(bs);
    expect(tree.path).toBe('');
    const fromBs = findCalendarParts(tree).map((p) => ({ ...p }));
    const fromRaw = findCalendarParts((await readMime(fx('base64-alt-plus-octet.eml'))).tree);
    expect(fromBs).toEqual(fromRaw);
  });

  it('single-part root is 1; rfc822 inner single part is P.1, inner multipart keeps P', () => {
    expect(mimeTreeFromBodyStructure({ type: 'text/calendar', parameters: { method: 'REPLY' } }).path).toBe('1');
    const t = mimeTreeFromBodyStructure({ type: 'multipart/mixed', childNodes: [
      { part: '1', type: 'message/rfc822', childNodes: [{ part: '1', type: 'text/calendar', parameters: { method: 'REQUEST' } }] },
      { part: '2', type: 'message/rfc822', childNodes: [{ part: '2', type: 'multipart/alternative', childNodes: [{ part: '2.1', type: 'text/plain' }, { part: '2.2', type: 'text/calendar' }] }] },
    ] });
    const parts = findCalendarParts(t);
    expect(parts.map((p) => [p.path, p.forwarded, p.inAlternative, p.methodParam])).toEqual([['1.1', true, false, 'REQUEST'], ['2.2', true, true, null]]);
    expect(() => mimeTreeFromBodyStructure(null)).not.toThrow();
    expect(mimeTreeFromBodyStructure({ type: 'multipart/report', childNodes: [{ part: '1', type: 'text/calendar' }] }).children).toHaveLength(1);
    expect(findCalendarParts(mimeTreeFromBodyStructure({ type: 'multipart/report', childNodes: [{ part: '1', type: 'text/calendar' }] }))).toEqual([]);
  });
});
