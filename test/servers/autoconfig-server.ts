// A local HTTP server serving Thunderbird autoconfig files by virtual host, the way a domain's web server would:
// `http://autoconfig.<domain>/mail/config-v1.1.xml` and `http://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`
// are told apart by the Host header. Discovery is pointed at it with `autoconfigBase` / CONVENE_AUTOCONFIG_BASE.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AutoconfigServer {
  base: string;
  /** "host path" of every request, e.g. "autoconfig.example.test /mail/config-v1.1.xml?emailaddress=…". */
  requests: string[];
  stop(): Promise<void>;
}

/** files: "HOST/PATH" (no query) → XML body. Anything else is 404. */
export async function startAutoconfigServer(files: Record<string, string>): Promise<AutoconfigServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    requests.push(`${host} ${req.url ?? ''}`);
    const path = (req.url ?? '').split('?')[0];
    const body = files[`${host}${path}`];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
