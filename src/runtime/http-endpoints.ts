/**
 * The HTTP endpoints of a long-running Stowage process (`serve`, `operator`): /healthz (the process
 * is alive), /readyz (it is doing its work: for the operator, the informers have synced) and
 * /metrics (Prometheus text exposition).
 */
import { createServer, type Server } from 'node:http';
import { StowageError } from '../errors.ts';

export interface HttpEndpointsOptions {
  /** host:port, e.g. 0.0.0.0:8080 or 127.0.0.1:9464. */
  listen: string;
  metrics: () => Promise<string>;
  metricsContentType: string;
  /** Readiness; liveness is answering at all. Default: always ready. */
  ready?: () => boolean;
}

export interface HttpEndpoints {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export function splitHostPort(s: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(s);
  if (!m) throw new StowageError('USAGE', `--listen must be host:port, not "${s}"`);
  return [m[1] || '127.0.0.1', Number(m[2])];
}

export async function startHttpEndpoints(o: HttpEndpointsOptions): Promise<HttpEndpoints> {
  const [host, port] = splitHostPort(o.listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200).end('ok');
    } else if (path === '/readyz') {
      const ready = o.ready?.() ?? true;
      res.writeHead(ready ? 200 : 503).end(ready ? 'ok' : 'not ready');
    } else if (path === '/metrics') {
      o.metrics().then(
        (text) => res.writeHead(200, { 'content-type': o.metricsContentType }).end(text),
        () => res.writeHead(500).end('metrics unavailable'),
      );
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
