// Issue 10 §4: the browser shell survives any frame. Each hostile frame is written as raw bytes over a real TCP
// socket after a real WebSocket handshake; afterwards the server process is still alive and a good client is served.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

let work: string;
let child: ChildProcess;
let port = 0;
let token = '';
let childErr = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'convene-frames-test-'));
  const out = join(work, 'child.cjs');
  await build({ entryPoints: [join(__dirname, 'web-frames-child.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error', absWorkingDir: join(__dirname, '../..') });
  child = spawn(process.execPath, [out], { stdio: ['ignore', 'pipe', 'pipe'], cwd: join(__dirname, '../..') });
  child.stderr!.on('data', (d: Buffer) => (childErr += d.toString()));
  const first = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${childErr}`)));
  });
  ({ port, token } = JSON.parse(first) as { port: number; token: string });
}, 60_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** A raw TCP socket with a completed WebSocket handshake (the 101 read). */
async function handshaken(): Promise<Socket> {
  const sock = connect(port, '127.0.0.1');
  await new Promise((r, j) => {
    sock.once('connect', r);
    sock.once('error', j); // a dead server fails the test at once
  });
  const key = randomBytes(16).toString('base64');
  sock.write(
    `GET /${token}/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', onData);
        if (head.startsWith('HTTP/1.1 101')) resolve();
        else reject(new Error(head));
      }
    };
    sock.on('data', onData);
  });
  return sock;
}

/** A client frame (masked, RFC 6455 §5.2) with the given first byte and payload. */
function frame(b0: number, payload: Buffer, claimedLength?: bigint): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  let len: Buffer;
  const n = claimedLength ?? BigInt(payload.length);
  if (n < 126n) len = Buffer.from([0x80 | Number(n)]);
  else if (n < 65536n) len = Buffer.from([0x80 | 126, Number(n) >> 8, Number(n) & 255]);
  else {
    len = Buffer.alloc(9);
    len[0] = 0x80 | 127;
    len.writeBigUInt64BE(n, 1);
  }
  return Buffer.concat([Buffer.from([b0]), len, mask, masked]);
}

/** Writes `bytes` and waits until the server closes the socket (or a second passes with it still open). */
async function sendRaw(bytes: Buffer): Promise<void> {
  const sock = await handshaken();
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.write(bytes);
  // The server answers a request frame or closes the socket on a bad one: wait for either, bounded.
  await Promise.race([closed, new Promise((r) => sock.once('data', r))]);
  sock.destroy();
}

async function goodClientWorks(): Promise<unknown> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/${token}/ws`, { origin: `http://127.0.0.1:${port}` });
  const reply = await new Promise<unknown>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ id: 9, method: 'getInvitation', arg: { uid: 'u1' } })));
    ws.on('message', (d) => resolve(JSON.parse(d.toString())));
    ws.on('error', reject);
  });
  ws.close();
  return reply;
}

function pageStatus(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/${token}/`, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const HOSTILE: [string, () => Buffer][] = [
  ['a `null` JSON frame', () => frame(0x81, Buffer.from('null'))],
  ['a JSON number, string and array', () => Buffer.concat([frame(0x81, Buffer.from('7')), frame(0x81, Buffer.from('"x"')), frame(0x81, Buffer.from('[null]'))])],
  ['a request whose fields are hostile', () => frame(0x81, Buffer.from('{"id":{"toString":1},"method":{"x":1},"arg":null,"__proto__":{"a":1}}'))],
  ['a text frame with invalid UTF-8', () => frame(0x81, Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]))],
  ['a reserved data opcode (0x3)', () => frame(0x83, Buffer.from('x'))],
  ['a reserved control opcode (0xB)', () => frame(0x8b, Buffer.from(''))],
  ['RSV bits set without an extension', () => frame(0xf1, Buffer.from('{}'))],
  ['a frame claiming 2^62 bytes', () => frame(0x81, Buffer.from('{'), 1n << 62n)],
  ['a frame over the size limit', () => frame(0x81, Buffer.from('{'), 41n * 1024n * 1024n)],
  ['an unmasked client frame', () => Buffer.from([0x81, 0x02, 0x7b, 0x7d])],
  ['a fragmented control frame', () => frame(0x09, Buffer.from('ping'))],
  ['a continuation without a start', () => frame(0x80, Buffer.from('x'))],
  ['a close frame with an invalid code', () => frame(0x88, Buffer.from([0x03, 0xe7]))],
  ['a binary frame', () => frame(0x82, Buffer.from([0, 1, 2]))],
];

describe('the browser shell survives any frame', () => {
  for (const [what, bytes] of HOSTILE) {
    it(`${what}: at most that socket closes; the server keeps serving`, async () => {
      await sendRaw(bytes());
      expect(child.exitCode, childErr).toBeNull();
      expect(await goodClientWorks()).toEqual({ id: 9, result: { ok: true, value: { method: 'getInvitation', arg: { uid: 'u1' } } } });
      expect(await pageStatus()).toBe(200);
      expect(child.exitCode, childErr).toBeNull();
    }, 30_000);
  }

  it('garbage instead of an HTTP request and a half-sent upgrade do not stop it', async () => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    const closed = new Promise((r) => s.once('close', r));
    s.resume(); // flowing, so the server's 400 is read and 'close' can follow
    s.write('\x00\xff GARBAGE\r\n\r\n');
    await closed;
    const h = await handshaken();
    h.destroy();
    expect(await pageStatus()).toBe(200);
    expect(child.exitCode, childErr).toBeNull();
  }, 30_000);
});
