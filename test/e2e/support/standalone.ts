/**
 * The set-up most standalone scenarios share: a real PostgreSQL seeded with small databases and
 * `stowage serve` over a fresh state folder, both for the whole file (started before its first
 * test, stopped after its last).
 */
import { afterAll, beforeAll } from 'vitest';
import { seedDatabases, startPostgres, type PostgresServer, type SeedSpec } from '../../harness/postgres.ts';
import { Stowage, type StowageOptions } from '../../harness/stowage.ts';

export interface StandaloneWithPostgres {
  readonly st: Stowage;
  readonly pg: PostgresServer;
}

/**
 * Registers the hooks; read the result inside tests and later hooks only. `options` is called in
 * the hook, so it may use peers that hooks registered earlier started (a Pushgateway's URL).
 */
export function useStandaloneWithPostgres(
  name: string,
  seed: SeedSpec,
  options: () => StowageOptions = () => ({}),
): StandaloneWithPostgres {
  let st: Stowage | undefined;
  let pg: PostgresServer | undefined;
  beforeAll(async () => {
    [pg, st] = await Promise.all([startPostgres(), Stowage.create({ name, ...options() })]);
    await Promise.all([seedDatabases(pg.superuserUrl, seed), st.start()]);
  });
  afterAll(async () => {
    await st?.cleanup();
    await pg?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the standalone set-up is not started yet (beforeAll)');
    return v;
  };
  return {
    get st() {
      return started(st);
    },
    get pg() {
      return started(pg);
    },
  };
}
