/**
 * The standalone Scheduler: one croner job per BackupConfiguration, in process, creating
 * BackupSessions exactly as the CronJob's `create-backupsession` container does. Paused
 * configurations keep their schedule object but do not fire (CronJob `suspend`).
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { ObjectOf } from '../../api/index.ts';
import { createBackupSession } from '../../controllers/backup-session/create.ts';
import type { Scheduler, Store } from '../../controllers/store.ts';
import { cronJobName } from '../../core/naming.ts';
import { errorMessage, StowageError } from '../../errors.ts';
import { namespaceOf } from '../../api/well-known.ts';

interface Entry {
  schedule: string;
  paused: boolean;
  cron: Cron;
}

export class CronScheduler implements Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(o: { store: Store; logger: Logger; now?: () => Date }) {
    this.#store = o.store;
    this.#logger = o.logger;
    this.#now = o.now ?? (() => new Date());
  }

  ensure(bc: ObjectOf<'BackupConfiguration'>): Promise<string> {
    const ns = namespaceOf(bc);
    const name = bc.metadata.name ?? '';
    const key = `${ns}/${name}`;
    const schedule = bc.spec.schedule ?? '';
    const paused = bc.spec.paused ?? false;
    const existing = this.#entries.get(key);
    if (existing && existing.schedule === schedule && existing.paused === paused)
      return Promise.resolve(cronJobName({ name, namespace: ns }));
    existing?.cron.stop();
    let cron: Cron;
    try {
      cron = new Cron(
        schedule,
        {
          paused,
          protect: true,
          catch: (e) => this.#logger.error({ err: errorMessage(e), key }, 'scheduled trigger failed'),
        },
        () => this.#fire(ns, name),
      );
    } catch (e) {
      throw new StowageError(
        'INVALID_SCHEDULE',
        `BackupConfiguration ${key}: spec.schedule "${schedule}" is not a valid cron expression: ${errorMessage(e)}`,
      );
    }
    this.#entries.set(key, { schedule, paused, cron });
    this.#logger.info({ key, schedule, paused, next: cron.nextRun()?.toISOString() }, 'schedule ensured');
    return Promise.resolve(cronJobName({ name, namespace: ns }));
  }

  remove(namespace: string, bcName: string): Promise<void> {
    const key = `${namespace}/${bcName}`;
    this.#entries.get(key)?.cron.stop();
    this.#entries.delete(key);
    return Promise.resolve();
  }

  stopAll(): void {
    for (const e of this.#entries.values()) e.cron.stop();
    this.#entries.clear();
  }

  nextRun(namespace: string, bcName: string): Date | undefined {
    return this.#entries.get(`${namespace}/${bcName}`)?.cron.nextRun() ?? undefined;
  }

  async #fire(namespace: string, name: string): Promise<void> {
    const bc = await this.#store.get('BackupConfiguration', namespace, name);
    if (!bc || bc.spec.paused) return;
    const session = await createBackupSession(this.#store, bc, { now: this.#now() });
    this.#logger.info(
      { backupSession: `${namespace}/${session.metadata.name}` },
      'scheduled BackupSession created',
    );
  }
}
