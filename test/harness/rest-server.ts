/**
 * restic's rest-server on 127.0.0.1 with a random port and a temporary data dir, with or without
 * authentication. With auth, a real .htpasswd is written ({SHA} entries, which rest-server accepts)
 * so the tests exercise the credentials Stowage puts into the rest: URL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, readyOrStop, startServer, waitForHttp } from './process.ts';
import { toolPath } from './tools.ts';

export interface RestServer {
  /** e.g. http://127.0.0.1:41234/ (no credentials). */
  url: string;
  username?: string;
  password?: string;
  dataDir: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export async function startRestServer(options: { auth?: boolean } = {}): Promise<RestServer> {
  const bin = await toolPath('rest-server');
  const dataDir = await mkdtemp(join(tmpdir(), 'stowage-rest-'));
  const port = await freePort();
  const args = ['--listen', `127.0.0.1:${port}`, '--path', dataDir];
  let credentials: { username: string; password: string } | undefined;
  if (options.auth) {
    credentials = { username: 'stowage', password: `pw-${randomBytes(6).toString('hex')}:@/` };
    const sha = createHash('sha1').update(credentials.password).digest('base64');
    const htpasswd = join(dataDir, '.htpasswd');
    await writeFile(htpasswd, `${credentials.username}:{SHA}${sha}\n`, { mode: 0o600 });
    args.push('--htpasswd-file', htpasswd);
  } else {
    args.push('--no-auth');
  }
  const server = startServer('rest-server', bin, args);
  const url = `http://127.0.0.1:${port}/`;
  // Any HTTP answer (401 with auth, 404/405 for `/`) means it listens.
  await readyOrStop(server, waitForHttp('rest-server', server, url, { okStatuses: [200, 401, 404, 405] }));
  return {
    url,
    ...credentials,
    dataDir,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    kill: () => server.kill(),
  };
}
