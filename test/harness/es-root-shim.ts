/**
 * A pass-through HTTP proxy that answers `GET /` itself. Every elasticdump child starts with `GET /`
 * to read the version, and Elasticsearch 8.10+ integ-test zips lack the rest-root module (405
 * there; real clusters answer). The bench and the load test put this in front of
 * such an engine for multielasticdump only; everything else is streamed through unchanged.
 */
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';

export async function startRootShim(
  upstream: string,
  version: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const root = JSON.stringify({
    name: 'stowage-root-shim',
    cluster_name: 'stowage-root-shim',
    version: { number: version, build_flavor: 'default' },
    tagline: 'You Know, for Search',
  });
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/' || req.url === '')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(root) });
      res.end(root);
      return;
    }
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('shim did not get a port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}
