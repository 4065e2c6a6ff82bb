/**
 * A real MinIO server (the S3 peer) on 127.0.0.1 with a random port and a temporary data dir.
 * Ready when /minio/health/ready answers 200. It can be killed and started again on the same
 * port and data (an outage that ends), and read directly with an S3 client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'minio';
import { freePort, readyOrStop, startServer, waitForHttp, type ServerProcess } from './process.ts';
import { toolPath } from './tools.ts';

export interface Minio {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  /** Graceful stop; removes the data dir. */
  stop(): Promise<void>;
  /** SIGKILL, data dir kept (for crash tests and outages). */
  kill(): Promise<void>;
  /** Starts the killed server again, same port and data; resolves when it is ready. */
  startAgain(): Promise<void>;
  /** An S3 client with the root credentials, to look at what a test stored. */
  client(): Client;
  /** The object keys under `prefix` in `bucket`, sorted. */
  objectNames(bucket: string, prefix: string): Promise<string[]>;
}

export async function startMinio(): Promise<Minio> {
  const bin = await toolPath('minio');
  const dataDir = await mkdtemp(join(tmpdir(), 'stowage-minio-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKey = 'stowage-test';
  const secretKey = 'stowage-test-secret';
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['server', '--quiet', '--address', `127.0.0.1:${port}`];
  args.push('--console-address', `127.0.0.1:${consolePort}`, dataDir);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
  };
  let server: ServerProcess | undefined;
  const start = async (): Promise<void> => {
    const started = startServer('minio', bin, args, { env });
    const ready = waitForHttp('minio', started, `${endpoint}/minio/health/ready`, { timeoutMs: 60_000 });
    await readyOrStop(started, ready);
    server = started;
  };
  await start();
  const url = new URL(endpoint);
  const client = (): Client =>
    new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey,
      secretKey,
      region: 'us-east-1',
    });
  return {
    endpoint,
    accessKey,
    secretKey,
    dataDir,
    async stop() {
      await server?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    kill: async () => server?.kill(),
    startAgain: start,
    client,
    async objectNames(bucket, prefix) {
      const out: string[] = [];
      for await (const item of client().listObjectsV2(bucket, prefix, true)) {
        const name = (item as { name?: string }).name;
        if (name !== undefined) out.push(name);
      }
      return out.sort();
    },
  };
}
