/**
 * fake-gcs-server (GCS emulator) over plain HTTP on 127.0.0.1, in-memory. restic's gs backend
 * goes through cloud.google.com/go/storage, which switches to STORAGE_EMULATOR_HOST when set;
 * GOOGLE_ACCESS_TOKEN gives restic a static token so it does not look for real credentials.
 */
import { freePort, readyOrStop, startServer, waitForHttp } from './process.ts';
import { toolPath } from './tools.ts';

export interface FakeGcs {
  /** host:port, for STORAGE_EMULATOR_HOST. */
  host: string;
  /** Env restic needs to talk to the emulator (no Secret would carry these). */
  env: Record<string, string>;
  /** Creates a bucket through the JSON API (restic 0.19.1 cannot create GCS buckets itself: see docs/backends.md). */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeGcs(): Promise<FakeGcs> {
  const bin = await toolPath('fake-gcs-server');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const server = startServer('fake-gcs-server', bin, [
    '-scheme',
    'http',
    '-host',
    '127.0.0.1',
    '-port',
    String(port),
    '-backend',
    'memory',
    '-public-host',
    host,
    '-external-url',
    `http://${host}`,
    '-log-level',
    'warn',
  ]);
  await readyOrStop(server, waitForHttp('fake-gcs-server', server, `http://${host}/storage/v1/b`));
  return {
    host,
    env: { STORAGE_EMULATOR_HOST: host, GOOGLE_ACCESS_TOKEN: 'fake-token' },
    async createBucket(name) {
      const res = await fetch(`http://${host}/storage/v1/b?project=stowage-test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) throw new Error(`creating bucket ${name}: HTTP ${res.status} ${await res.text()}`);
    },
    stop: () => server.stop(),
  };
}
