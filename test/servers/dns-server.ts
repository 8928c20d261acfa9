// A real DNS server on a loopback UDP port (dns2, pure JavaScript) for the discovery tests: it serves the SRV, MX,
// A and AAAA records given as a zone, answers NXDOMAIN (RCODE 3, RFC 1035 §4.1.1) for names it does not know, and
// counts the questions it got, so a test can check that every query of a run went to it.
//
//   const dns = await startDnsServer({ '_imaps._tcp.example.test': [{ type: 'SRV', priority: 0, weight: 1, port: 993, target: 'imap.example.test' }] });
//   resolver.setServers([`127.0.0.1:${dns.port}`]);  // or `convene discover --dns-server 127.0.0.1:${dns.port}`
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// dns2 is CommonJS without types.
const dns2 = require('dns2') as {
  Packet: { TYPE: Record<string, number>; CLASS: Record<string, number>; createResponseFromRequest(req: unknown): DnsPacket };
  createServer(opts: { udp: boolean; handle: (req: DnsPacket, send: (res: DnsPacket) => void) => void }): {
    listen(o: { udp: { port: number; address: string } }): Promise<unknown>;
    addresses(): { udp?: { port: number } };
    close(): Promise<void>;
  };
};

interface DnsPacket {
  header: { rcode: number; aa: number };
  questions: { name: string; type: number }[];
  answers: Record<string, unknown>[];
}

export type DnsRecord =
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'MX'; priority: number; exchange: string }
  | { type: 'A'; address: string }
  | { type: 'AAAA'; address: string };

export type Zone = Record<string, DnsRecord[]>;

export interface TestDnsServer {
  port: number;
  /** "127.0.0.1:PORT" for --dns-server / setServers. */
  address: string;
  /** Every question received, as "NAME TYPE" (e.g. "_imaps._tcp.example.test SRV"). */
  questions: string[];
  /** Replace the zone (tests that change records between runs). */
  setZone(zone: Zone): void;
  stop(): Promise<void>;
}

export async function startDnsServer(initial: Zone): Promise<TestDnsServer> {
  const { Packet } = dns2;
  let zone = normalise(initial);
  const questions: string[] = [];
  const typeName = (t: number) => Object.keys(Packet.TYPE).find((k) => Packet.TYPE[k] === t) ?? String(t);
  const server = dns2.createServer({
    udp: true,
    handle: (req, send) => {
      const res = Packet.createResponseFromRequest(req);
      const q = req.questions[0];
      if (!q) return send(res);
      const name = q.name.toLowerCase().replace(/\.$/, '');
      questions.push(`${name} ${typeName(q.type)}`);
      const records = zone.get(name);
      if (!records) {
        res.header.rcode = 3; // NXDOMAIN: the name does not exist
        return send(res);
      }
      for (const r of records) {
        if (Packet.TYPE[r.type] !== q.type) continue;
        const base = { name: q.name, type: Packet.TYPE[r.type], class: Packet.CLASS.IN, ttl: 60 };
        if (r.type === 'SRV') res.answers.push({ ...base, priority: r.priority, weight: r.weight, port: r.port, target: r.target });
        else if (r.type === 'MX') res.answers.push({ ...base, priority: r.priority, exchange: r.exchange });
        else res.answers.push({ ...base, address: r.address });
      }
      send(res); // an existing name without records of the type: NOERROR with no answers (NODATA)
    },
  });
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = server.addresses().udp!.port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    questions,
    setZone: (z) => void (zone = normalise(z)),
    stop: () => server.close(),
  };
}

function normalise(z: Zone): Map<string, DnsRecord[]> {
  return new Map(Object.entries(z).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
}
