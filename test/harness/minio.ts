/**
 * A real MinIO server (the S3 peer) on 127.0.0.1 with a random port and a temporary data dir.
 * Ready when /minio/health/ready answers 200.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, readyOrStop, startServer, waitForHttp } from './process.ts';
import { toolPath } from './tools.ts';

export interface Minio {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  /** Graceful stop; removes the data dir. */
  stop(): Promise<void>;
  /** SIGKILL, data dir kept (for crash tests). */
  kill(): Promise<void>;
}

export async function startMinio(): Promise<Minio> {
  const bin = await toolPath('minio');
  const dataDir = await mkdtemp(join(tmpdir(), 'stowage-minio-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKey = 'stowage-test';
  const secretKey = 'stowage-test-secret';
  const server = startServer(
    'minio',
    bin,
    [
      'server',
      '--quiet',
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      dataDir,
    ],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MINIO_ROOT_USER: accessKey,
        MINIO_ROOT_PASSWORD: secretKey,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
      },
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  await readyOrStop(
    server,
    waitForHttp('minio', server, `${endpoint}/minio/health/ready`, { timeoutMs: 60_000 }),
  );
  return {
    endpoint,
    accessKey,
    secretKey,
    dataDir,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    kill: () => server.kill(),
  };
}
