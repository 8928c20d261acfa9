#!/usr/bin/env node
// Installs, from Debian's packages, what the integration and UI suites run for real: Dovecot (IMAP + LMTP) and
// Chromium. Nothing is started here; the suites start private instances on loopback high ports.
import { existsSync, writeFileSync, chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const needed = [];
if (!existsSync('/usr/sbin/dovecot')) needed.push('dovecot-core', 'dovecot-imapd', 'dovecot-lmtpd');
if (!existsSync('/usr/bin/chromium')) needed.push('chromium');
if (needed.length === 0) {
  console.log('dovecot and chromium are installed');
  process.exit(0);
}
if (process.getuid && process.getuid() !== 0) {
  console.error(`missing system packages: ${needed.join(' ')}. Install them (as root: apt-get install -y ${needed.join(' ')}) and run again.`);
  process.exit(1);
}
// Keep Debian from starting a system-wide Dovecot on port 143 during the install.
if (!existsSync('/usr/sbin/policy-rc.d')) {
  writeFileSync('/usr/sbin/policy-rc.d', '#!/bin/sh\nexit 101\n');
  chmodSync('/usr/sbin/policy-rc.d', 0o755);
}
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...needed]]) {
  console.log(`apt-get ${args.join(' ')}`);
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args[0]} failed (exit ${r.status}): the integration and UI suites need ${needed.join(', ')}`);
    process.exit(1);
  }
}
