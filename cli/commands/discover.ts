// convene discover ADDRESS [--dns-server HOST:PORT] [--no-probe]: what account set-up would find for an address
// (issue 12 §2), as JSON {imap: {host, port, security, auth}, smtp: {...}, provider, source}; {error} and exit 1
// when nothing usable is found (a configuration that would send the password in the clear is not usable: the
// error says so and names it under `insecure`).
import { discoveryJson } from '../../shared/accounts/discovery';
import { discover } from '../../electron/public';
import { json, parse, UsageError, type Io } from '../util';

const HOST_PORT = /^(\[[0-9a-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/i;

export async function discoverCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { 'dns-server': { type: 'string' }, 'no-probe': { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('usage: convene discover ADDRESS [--dns-server HOST:PORT] [--no-probe]');
  const dnsServer = values['dns-server'];
  if (dnsServer !== undefined) {
    const m = HOST_PORT.exec(dnsServer);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UsageError(`--dns-server: expected HOST:PORT, got ${dnsServer}`);
  }
  const r = await discover(positionals[0]!, { ...(dnsServer ? { dnsServer } : {}), probe: !values['no-probe'] });
  if (r.ok) {
    io.out(json(discoveryJson(r.found)));
    return 0;
  }
  io.out(json({ error: r.error, ...(r.insecure ? { insecure: discoveryJson(r.insecure) } : {}) }));
  return 1;
}
