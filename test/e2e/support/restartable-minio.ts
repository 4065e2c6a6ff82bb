/**
 * A MinIO that can be killed and started again on the same port and data folder (an outage that
 * ends), which the shared harness's startMinio does not offer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  readyOrStop,
  startServer,
  waitForHttp,
  type ServerProcess,
} from '../../harness/process.ts';
import { toolPath } from '../../harness/tools.ts';

export class RestartableMinio {
  readonly accessKey = 'stowage-e2e';
  readonly secretKey = 'stowage-e2e-secret';
  #server: ServerProcess | undefined;

  readonly port: number;
  readonly consolePort: number;
  readonly dataDir: string;

  private constructor(port: number, consolePort: number, dataDir: string) {
    this.port = port;
    this.consolePort = consolePort;
    this.dataDir = dataDir;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#server?.child.pid;
  }

  static async start(): Promise<RestartableMinio> {
    const m = new RestartableMinio(
      await freePort(),
      await freePort(),
      await mkdtemp(join(tmpdir(), 'stowage-e2e-minio-')),
    );
    await m.startAgain();
    return m;
  }

  /** Starts the server (again) on the same port and data folder; resolves when it is ready. */
  async startAgain(): Promise<void> {
    const server = startServer(
      'minio',
      await toolPath('minio'),
      [
        'server',
        '--quiet',
        '--address',
        `127.0.0.1:${this.port}`,
        '--console-address',
        `127.0.0.1:${this.consolePort}`,
        this.dataDir,
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          MINIO_ROOT_USER: this.accessKey,
          MINIO_ROOT_PASSWORD: this.secretKey,
          MINIO_BROWSER: 'off',
          MINIO_UPDATE: 'off',
        },
      },
    );
    await readyOrStop(
      server,
      waitForHttp('minio', server, `${this.endpoint}/minio/health/ready`, { timeoutMs: 60_000 }),
    );
    this.#server = server;
  }

  /** SIGKILL: the outage begins (data kept). */
  async kill(): Promise<void> {
    await this.#server?.kill();
    this.#server = undefined;
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = undefined;
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
