// Child process for web-frames.test.ts: the real browser-shell server over a fake core, so a frame that kills the
// server shows as a dead process, not as an error vitest might swallow.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_METHODS, type ConveneApi } from '../../shared/api';
import { startWebServer } from '../../electron/web/server';

const dir = mkdtempSync(join(tmpdir(), 'convene-frames-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Convene</title>');
const core = Object.fromEntries(API_METHODS.map((m) => [m, async (arg: unknown) => ({ ok: true, value: { method: m, arg } })])) as unknown as ConveneApi;
core.onEvent = () => () => {};
void startWebServer({ core, rendererDir: dir }).then((web) => process.stdout.write(`${JSON.stringify({ port: web.port, token: web.token })}\n`));
