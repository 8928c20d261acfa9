// vitest globalSetup for the integration and UI suites: only checks that the system binaries exist, with a message
// that says how to get them. Each test file starts its own private servers with startMailServers() (so files stay
// independent and can kill/restart their servers freely).
import { existsSync } from 'node:fs';

const REQUIRED: { path: string; what: string }[] = [
  { path: '/usr/sbin/dovecot', what: 'Dovecot (IMAP + LMTP)' },
  { path: '/usr/bin/doveadm', what: 'doveadm (Dovecot)' },
  { path: '/usr/bin/chromium', what: 'Chromium (UI tests)' },
];

export default function setup(): void {
  const missing = REQUIRED.filter((r) => !existsSync(r.path));
  if (missing.length) {
    throw new Error(
      `Missing system packages: ${missing.map((m) => `${m.what} at ${m.path}`).join(', ')}. ` +
        'Run node scripts/ensure-system-deps.mjs (npm test does it).',
    );
  }
}
