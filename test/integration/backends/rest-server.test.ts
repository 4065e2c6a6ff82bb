import { expect, it } from 'vitest';
import { backendContract } from './contract.ts';
import { planConnection } from '../../../src/backends/index.ts';
import { resticFor } from '../../harness/restic.ts';
import { startRestServer, type RestServer } from '../../harness/rest-server.ts';

let server: RestServer | undefined;

backendContract('rest (rest-server with auth)', async () => {
  server = await startRestServer({ auth: true });
  const url = `${server.url}stowage/repo`;
  return {
    backend: { storageSecretName: 'rest-secret', rest: { url } },
    secret: {
      RESTIC_PASSWORD: 'rest-pw',
      REST_SERVER_USERNAME: server.username!,
      REST_SERVER_PASSWORD: server.password!,
    },
    // The generated password contains ':@/' so the URL escaping is exercised for real.
    expectedRepository: /^rest:http:\/\/stowage:pw-[0-9a-f]{12}%3A%40%2F@127\.0\.0\.1:\d+\/stowage\/repo$/,
    cleanup: async () => {
      await server?.stop();
    },
  };
});

it('rest-server rejects a wrong password (auth is really on)', async () => {
  const s = await startRestServer({ auth: true });
  try {
    const plan = planConnection(
      { rest: { url: `${s.url}other` } },
      { RESTIC_PASSWORD: 'pw', REST_SERVER_USERNAME: s.username!, REST_SERVER_PASSWORD: 'not-the-password' },
    );
    const restic = await resticFor({
      repository: plan.repository,
      env: plan.env,
      globalArgs: plan.globalArgs,
    });
    const err = await restic.init().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RESTIC_FAILED' });
    expect((err as Error).message).toMatch(/401|Unauthorized/i);
  } finally {
    await s.stop();
  }
});
