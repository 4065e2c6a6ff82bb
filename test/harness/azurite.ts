/**
 * Azurite (Azure Blob emulator) for the azure backend contract. restic builds the Azure URL as
 * `https://<account>.blob.<AZURE_ENDPOINT_SUFFIX>/…` (HTTPS hard-coded), so Azurite runs with a
 * self-signed certificate for `devstoreaccount1.blob.localhost`. Instead of editing /etc/hosts,
 * restic reaches that name through a tiny HTTPS CONNECT proxy (HTTPS_PROXY, which restic honours)
 * that sends every `*.localhost` tunnel to Azurite's loopback port.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, readyOrStop, startServer, waitForPort } from './process.ts';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  accountName: string;
  accountKey: string;
  /** AZURE_ENDPOINT_SUFFIX for restic, e.g. `localhost:41234`. */
  endpointSuffix: string;
  /** PEM of the self-signed certificate (goes into the Secret as CA_CERT_DATA). */
  caCert: string;
  /** HTTPS_PROXY value that makes `*.localhost` reachable. */
  proxyUrl: string;
  stop(): Promise<void>;
}

async function azuriteBinary(): Promise<string> {
  if (process.env.STOWAGE_AZURITE) return process.env.STOWAGE_AZURITE;
  const { stdout } = await execFileAsync('bash', [join(root, 'scripts/peers/azurite.sh')], {
    maxBuffer: 8 * 1024 * 1024,
  });
  const bin = stdout.trim().split('\n').pop();
  if (!bin) throw new Error('scripts/peers/azurite.sh printed no path');
  return bin;
}

/** CONNECT proxy: tunnels `<anything>.localhost:<port>` to 127.0.0.1:<port>, refuses the rest. */
async function startLocalhostProxy(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req, client: Duplex, head: Buffer) => {
    const m = /^([^:]+\.localhost):(\d+)$/.exec(req.url ?? '');
    if (!m?.[2]) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: Number(m[2]) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not get a port');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

export async function startAzurite(): Promise<Azurite> {
  const bin = await azuriteBinary();
  const dir = await mkdtemp(join(tmpdir(), 'stowage-azurite-'));
  const host = `${AZURITE_ACCOUNT}.blob.localhost`;
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=DNS:${host},IP:127.0.0.1`,
  ]);
  const port = await freePort();
  // azurite-blob is a `#!/usr/bin/env node` script: run it with this Node (>= 22 needed).
  const server = startServer(
    'azurite',
    process.execPath,
    [
      bin,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--cert',
      cert,
      '--key',
      key,
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
      '--silent',
    ],
    {
      cwd: dir,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME },
    },
  );
  await readyOrStop(server, waitForPort('azurite', server, port, 60_000));
  const proxy = await startLocalhostProxy();
  return {
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    endpointSuffix: `localhost:${port}`,
    caCert: await readFile(cert, 'utf8'),
    proxyUrl: proxy.url,
    async stop() {
      proxy.server.closeAllConnections();
      proxy.server.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
