// A private, throwaway mail system for integration tests and the benchmark: Dovecot (IMAP + LMTP) under a temp dir
// plus an npm smtp-server that hands every accepted message to Dovecot's LMTP and answers 250 only once LMTP took
// it (so a test can read the inbox right after sending). Recipe measured in /work/shared/TEST-SERVERS.md.
//
//   const servers = await startMailServers();
//   const bob = await servers.addUser('bob');
//   await servers.deliver(raw, [bob.email]);
//   ...
//   await servers.stop();
//
// Several instances can run at once (own base_dir, own instance_name, free high ports).

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, chown, rm, appendFile, mkdtemp, readdir, readFile, chmod } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import type { AccountInput } from '../../shared/api';
import { waitFor } from './wait';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
export const DOVEADM_BIN = '/usr/bin/doveadm';
const MAIL_UID = 5000;

export type SmtpMode = 'ok' | 'tempfail' | 'permfail';

export interface TestUser {
  name: string;
  email: `${string}@example.test`;
  password: string;
}

export interface MailServers {
  imap: { host: string; port: number };
  smtp: { host: string; port: number };
  lmtpPort: number;
  /** The temp dir holding config, users, mail and logs. */
  root: string;
  /** The Dovecot config file (for doveadm -c). */
  configPath: string;
  addUser(name: string, password?: string): Promise<TestUser>;
  /** Delivers a raw message to Dovecot over LMTP (INBOX of each recipient). */
  deliver(raw: Buffer | string, to: string[], from?: string): Promise<void>;
  stopImap(): Promise<void>;
  /** Starts Dovecot again with the same data on the same ports. */
  startImap(): Promise<void>;
  /** SIGKILLs the Dovecot master (and its children), as a crash would. */
  killImap(): Promise<void>;
  stopSmtp(): Promise<void>;
  startSmtp(): Promise<void>;
  setSmtpMode(mode: SmtpMode): void;
  /** Runs `doveadm -c CONF ...args`; resolves with stdout, rejects with stderr on failure. */
  doveadm(args: string[]): Promise<string>;
  /** Messages the SMTP server accepted (raw), newest last: for tests of the sending side. */
  readonly accepted: { from: string; to: string[]; raw: Buffer }[];
  stop(): Promise<void>;
}

/**
 * The account `user` saves to reach these servers: plain IMAP and SMTP (the test servers offer no TLS), IMAP logging
 * in by user name, SMTP by address, the password typed in.
 */
export function testAccount(servers: MailServers, user: TestUser, aliases: string[] = []): AccountInput {
  return {
    name: user.name,
    email: user.email,
    aliases,
    imap: { host: servers.imap.host, port: servers.imap.port, security: 'none', user: user.name },
    smtp: { host: servers.smtp.host, port: servers.smtp.port, security: 'none', user: user.email },
    password: user.password,
  };
}

export interface StartOptions {
  /** Initial SMTP mode (default 'ok'). */
  smtpFailure?: SmtpMode;
  /** Extra lines appended to dovecot.conf (e.g. to disable capabilities: `imap_capability = IMAP4rev1 ...`). */
  extraDovecotConfig?: string;
  /**
   * OAuth2 (issue 12): the SMTP server also takes AUTH XOAUTH2 and asks this for the user an access token belongs
   * to (test/servers/oauth-mail.ts introspects it at the test identity provider); null = rejected (535).
   */
  verifyAccessToken?: (token: string) => Promise<string | null>;
}

export function dovecotMissingMessage(): string {
  return 'Dovecot is not installed: run node scripts/ensure-system-deps.mjs (npm test does it)';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** Waits until a greeting line arrives on the port (Dovecot answers as soon as imap-login runs). */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('data', (d) => done(/^\* OK|^220/.test(d.toString())));
    s.once('error', () => done(false));
    s.setTimeout(2000, () => done(false));
  });
}

/** All descendant pids of `pid`, from /proc/<pid>/stat (Linux). */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'latin1');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const cur = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent === cur) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await waitFor(cond, { timeoutMs, what: `mail-servers: ${what}` });
}

function dovecotConfig(R: string, instance: string, imapPort: number, lmtpPort: number, extra: string): string {
  return `instance_name = ${instance}
base_dir = ${R}/run
state_dir = ${R}/state
log_path = ${R}/log/dovecot.log
info_log_path = ${R}/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests check wrong passwords on purpose: no 2 s penalty per failure.
auth_failure_delay = 0
auth_username_format = %Ln
first_valid_uid = ${MAIL_UID}
last_valid_uid = ${MAIL_UID}
mail_uid = ${MAIL_UID}
mail_gid = ${MAIL_UID}
mail_location = sdbox:${R}/mail/%n/sdbox
mail_home = ${R}/mail/%n
postmaster_address = postmaster@example.test
hostname = mail.example.test
lmtp_save_to_detail_mailbox = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${R}/users
}
userdb {
  driver = passwd-file
  args = ${R}/users
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
${extra}
`;
}

// Every Dovecot master started by this process, so an abrupt test exit does not leave servers behind.
const liveMasters = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of liveMasters) {
      try {
        p.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export async function startMailServers(opts: StartOptions = {}): Promise<MailServers> {
  if (!existsSync(DOVECOT_BIN)) throw new Error(dovecotMissingMessage());
  installExitHook();

  const root = await mkdtemp(path.join(os.tmpdir(), 'convene-mail-'));
  // mkdtemp makes 0700; Dovecot's auth and mail processes run as other users and must traverse it.
  await chmod(root, 0o755);
  for (const d of ['run', 'state', 'log', 'mail']) await mkdir(path.join(root, d), { recursive: true });
  await chown(path.join(root, 'mail'), MAIL_UID, MAIL_UID);
  const usersFile = path.join(root, 'users');
  await writeFile(usersFile, '');
  const instance = `convene-test-${path.basename(root).replace(/[^a-zA-Z0-9]/g, '')}`;
  const imapPort = await freePort();
  let lmtpPort = await freePort();
  while (lmtpPort === imapPort) lmtpPort = await freePort();
  const configPath = path.join(root, 'dovecot.conf');
  await writeFile(configPath, dovecotConfig(root, instance, imapPort, lmtpPort, opts.extraDovecotConfig ?? ''));

  const users = new Map<string, TestUser>();
  let master: ChildProcess | null = null;
  let masterExited: Promise<void> = Promise.resolve();
  let stderrTail = '';

  async function startImap(): Promise<void> {
    if (master) return;
    // A stale master.pid from a killed instance is harmless: dovecot checks whether that pid is alive.
    const p = spawn(DOVECOT_BIN, ['-F', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    stderrTail = '';
    p.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
    });
    master = p;
    liveMasters.add(p);
    masterExited = new Promise((resolve) => {
      p.once('exit', () => {
        liveMasters.delete(p);
        if (master === p) master = null;
        resolve();
      });
    });
    // Up, or exited (then fail at once rather than wait out the timeout).
    const state = await waitFor(async () => (master !== p ? 'exited' : (await greets(imapPort)) ? 'up' : null), {
      timeoutMs: 15_000,
      what: `Dovecot listening on ${imapPort}`,
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${stderrTail}`);
    });
    if (state === 'exited') throw new Error(`Dovecot exited at start: ${stderrTail || '(no output)'}; see ${root}/log/dovecot.log`);
    await until(() => canConnect(lmtpPort), 10_000, `Dovecot LMTP on port ${lmtpPort}`);
  }

  async function stopImap(): Promise<void> {
    const p = master;
    if (!p) return;
    p.kill('SIGTERM');
    await masterExited;
    // Login processes hold the listener until they notice the master is gone.
    await until(async () => !(await canConnect(imapPort)), 10_000, `IMAP port ${imapPort} to close`);
  }

  async function killImap(): Promise<void> {
    const p = master;
    if (!p || p.pid === undefined) return;
    // A crash of the host takes Dovecot's children (imap, imap-login, lmtp, auth...) with it: collect them before
    // the master dies (afterwards they are re-parented and harder to find), then SIGKILL all at once.
    const children = await descendants(p.pid);
    p.kill('SIGKILL');
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await masterExited;
    await until(async () => !(await canConnect(imapPort)), 10_000, `IMAP port ${imapPort} to close after SIGKILL`);
  }

  await startImap();

  // ------------------------------------------------------------------------------------------------------------
  // SMTP → LMTP

  let smtpMode: SmtpMode = opts.smtpFailure ?? 'ok';
  const accepted: { from: string; to: string[]; raw: Buffer }[] = [];
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: lmtpPort, lmtp: true, secure: false, ignoreTLS: true } as never);

  async function deliver(raw: Buffer | string, to: string[], from = 'postmaster@example.test'): Promise<void> {
    const info = await lmtp.sendMail({ envelope: { from, to }, raw });
    const rejected = (info as { rejected?: unknown[] }).rejected ?? [];
    if (rejected.length) throw new Error(`LMTP rejected ${JSON.stringify(rejected)}`);
  }

  let smtpPort = 0;
  let smtp: SMTPServer | null = null;

  function makeSmtp(): SMTPServer {
    return new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authMethods: opts.verifyAccessToken ? ['PLAIN', 'LOGIN', 'XOAUTH2'] : ['PLAIN', 'LOGIN'],
      authOptional: false,
      allowInsecureAuth: true,
      logger: false,
      size: 50 * 1024 * 1024,
      onAuth(auth, _session, cb) {
        if (auth.method === 'XOAUTH2' && opts.verifyAccessToken) {
          // RFC 7628-style bearer check: the token's owner (introspection) must be the user named in the exchange.
          const who = (auth.username ?? '').toLowerCase();
          opts.verifyAccessToken(auth.accessToken ?? '').then(
            (owner) => {
              const u = users.get(who.replace(/@example\.test$/, ''));
              if (owner && u && owner.toLowerCase() === u.email) cb(null, { user: u.name });
              else cb(null, { data: { status: '401', schemes: 'bearer' } });
            },
            (err) => cb(err as Error),
          );
          return;
        }
        const name = (auth.username ?? '').toLowerCase().replace(/@example\.test$/, '');
        const u = users.get(name);
        if (u && auth.password === u.password) cb(null, { user: u.name });
        else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo(address, _session, cb) {
        const m = /^([^@]+)@example\.test$/i.exec(address.address);
        if (m && users.has(m[1]!.toLowerCase())) cb();
        else cb(Object.assign(new Error(`No such user: ${address.address}`), { responseCode: 550 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', (err) => cb(err));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          if (smtpMode === 'tempfail') return cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          if (smtpMode === 'permfail') return cb(Object.assign(new Error('Message rejected'), { responseCode: 554 }));
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const to = session.envelope.rcptTo.map((r) => r.address);
          deliver(raw, to, from || 'postmaster@example.test').then(
            () => {
              accepted.push({ from, to, raw });
              cb(null, 'Delivered');
            },
            (err: Error) => cb(Object.assign(new Error(`LMTP delivery failed: ${err.message}`), { responseCode: 451 })),
          );
        });
      },
    });
  }

  async function startSmtp(): Promise<void> {
    if (smtp) return;
    const srv = makeSmtp();
    srv.on('error', () => {
      /* connection-level errors are the client's business */
    });
    await new Promise<void>((resolve, reject) => {
      srv.server.once('error', reject);
      srv.listen(smtpPort, '127.0.0.1', () => {
        srv.server.off('error', reject);
        const addr = srv.server.address();
        smtpPort = typeof addr === 'object' && addr ? addr.port : smtpPort;
        resolve();
      });
    });
    smtp = srv;
  }

  async function stopSmtp(): Promise<void> {
    const srv = smtp;
    if (!srv) return;
    smtp = null;
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  await startSmtp();

  async function addUser(name: string, password?: string): Promise<TestUser> {
    const n = name.toLowerCase();
    if (!/^[a-z0-9._-]+$/.test(n)) throw new Error(`mail-servers: bad user name ${name}`);
    const existing = users.get(n);
    if (existing) return existing;
    const pw = password ?? `${n}-pw`;
    const u: TestUser = { name: n, email: `${n}@example.test`, password: pw };
    await appendFile(usersFile, `${n}:{PLAIN}${pw}:${MAIL_UID}:${MAIL_UID}::${root}/mail/${n}::\n`);
    users.set(n, u);
    // Dovecot re-reads passwd-file at most once a second: wait until its auth process knows the user, so a login
    // or an LMTP delivery right after addUser() does not fail.
    if (master) {
      await waitFor(async () => (await doveadm(['user', n]), true), { timeoutMs: 10_000, intervalMs: 100, what: `mail-servers: Dovecot to pick up user ${n}` });
    }
    return u;
  }

  function doveadm(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(DOVEADM_BIN, ['-c', configPath, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`doveadm ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }

  async function stop(): Promise<void> {
    await stopSmtp().catch(() => {});
    lmtp.close();
    await stopImap().catch(async () => {
      await killImap().catch(() => {});
    });
    if (!process.env.CONVENE_KEEP_MAIL) await rm(root, { recursive: true, force: true }).catch(() => {});
  }

  return {
    imap: { host: '127.0.0.1', port: imapPort },
    get smtp() {
      return { host: '127.0.0.1', port: smtpPort };
    },
    lmtpPort,
    root,
    configPath,
    addUser,
    deliver,
    stopImap,
    startImap,
    killImap,
    stopSmtp,
    startSmtp,
    setSmtpMode(mode: SmtpMode) {
      smtpMode = mode;
    },
    doveadm,
    accepted,
    stop,
  };
}
