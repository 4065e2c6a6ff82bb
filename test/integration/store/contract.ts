/**
 * The Store contract (src/controllers/store.ts): what every Store must do, so the controllers run
 * the same on both runtimes. The rule is the API server's: where it differs from LocalStore the
 * API server is right, since manifests and controllers are written for Kubernetes.
 *
 * What the API server does later, in the background (the garbage collector removing what an owner
 * owned), a Store may do at once: those cases wait for the outcome instead of reading it once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../../src/api/index.ts';
import type { Store } from '../../../src/controllers/store.ts';
import { StowageError, ValidationError } from '../../../src/errors.ts';
import { waitFor } from '../../harness/wait.ts';
import { backupConfiguration, backupSession, namesOf, ownedBy, secret, task } from './objects.ts';

export interface StoreUnderTest {
  store: Store;
  /** A namespace no other case uses (created first where namespaces are objects). */
  newNamespace(prefix: string): Promise<string>;
  cleanup?(): Promise<void>;
}

export interface StoreTraits {
  /** The standalone runtime has no Namespace objects: every namespace exists. */
  everyNamespaceExists: boolean;
}

const FINALIZER = 'stash.appscode.com';
const OTHER_FINALIZER = 'example.com/other';
const GIVEN_TIME = '2020-01-01T00:00:00Z';
const RFC3339_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** The StowageError a write fails with (a write that succeeds fails the case). */
async function failure(write: () => Promise<unknown>): Promise<StowageError> {
  try {
    await write();
  } catch (e) {
    if (e instanceof StowageError) return e;
    throw e;
  }
  throw new Error('expected the write to fail');
}

/** Until `read` returns undefined: the object is gone (at once, or once the collector got to it). */
const gone = (what: string, read: () => Promise<unknown>): Promise<true> =>
  waitFor(`${what} to be gone`, async () => ((await read()) === undefined ? true : undefined), {
    intervalMs: 100,
  });

export function storeContract(name: string, setup: () => Promise<StoreUnderTest>, traits: StoreTraits): void {
  describe(`Store contract: ${name}`, () => {
    let under: StoreUnderTest;
    let store: Store;
    beforeAll(async () => {
      under = await setup();
      store = under.store;
    });
    afterAll(async () => {
      await under?.cleanup?.();
    });
    const ns = (prefix: string): Promise<string> => under.newNamespace(prefix);

    describe('create and get', () => {
      it('create fills uid, resourceVersion, generation and creationTimestamp; get returns the same object', async () => {
        const n = await ns('create');
        const created = await store.create<'BackupConfiguration'>(
          backupConfiguration(n, 'b', { labels: { team: 'db' } }),
        );
        expect(created.metadata).toMatchObject({
          name: 'b',
          namespace: n,
          generation: 1,
          labels: { team: 'db' },
        });
        expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(created.metadata.resourceVersion).toBeTruthy();
        expect(created.metadata.creationTimestamp).toMatch(RFC3339_SECONDS);
        expect(await store.get('BackupConfiguration', n, 'b')).toEqual(created);
        expect(await store.get('BackupConfiguration', n, 'absent')).toBeUndefined();
        expect(await store.get('BackupConfiguration', `${n}-other`, 'b')).toBeUndefined();
      });

      it('create refuses a duplicate with ALREADY_EXISTS and an invalid object with INVALID_INPUT', async () => {
        const n = await ns('create-refused');
        await store.create<'Secret'>(secret(n, 'a'));
        expect((await failure(() => store.create<'Secret'>(secret(n, 'a')))).code).toBe('ALREADY_EXISTS');
        const bad = backupConfiguration(n, 'bad');
        (bad.spec as { repository: unknown }).repository = {};
        const e = await failure(() => store.create<'BackupConfiguration'>(bad));
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).issues.map((i) => i.path)).toContain('spec.repository.name');
        expect(await store.get('BackupConfiguration', n, 'bad')).toBeUndefined();
      });

      it('a name that is not a DNS subdomain is INVALID_INPUT at metadata.name; dots are allowed', async () => {
        const n = await ns('bad-name');
        const e = await failure(() => store.create<'Secret'>(secret(n, 'Not_A_DNS_Name')));
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).issues.map((i) => i.path)).toContain('metadata.name');
        expect(await store.list('Secret', { namespace: n })).toEqual([]);
        // The names KubeDB puts into AppBindings, e.g. postgres-backup-15.1, are subdomains.
        await store.create<'Secret'>(secret(n, 'postgres-backup-15.1'));
        expect(await store.get('Secret', n, 'postgres-backup-15.1')).toBeDefined();
      });

      it('generateName gets a 5-character suffix, a new one each time', async () => {
        const n = await ns('generate');
        const obj = backupSession(n, '', { name: undefined, generateName: 'gen-' });
        const a = await store.create(obj);
        const b = await store.create(obj);
        expect(a.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
        expect(b.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
        expect(b.metadata.name).not.toBe(a.metadata.name);
      });

      it("a Secret's stringData reads back as base64 data, winning over data on an update", async () => {
        const n = await ns('secret');
        await store.create<'Secret'>(secret(n, 's'));
        const read = (await store.get('Secret', n, 's'))!;
        expect(read.data).toEqual({ RESTIC_PASSWORD: Buffer.from('pw').toString('base64') });
        expect(read.stringData).toBeUndefined();
        await store.update<'Secret'>({ ...read, stringData: { RESTIC_PASSWORD: 'new', USER: 'u' } });
        const updated = await store.get('Secret', n, 's');
        expect(updated?.data).toEqual({
          RESTIC_PASSWORD: Buffer.from('new').toString('base64'),
          USER: Buffer.from('u').toString('base64'),
        });
        expect(updated?.stringData).toBeUndefined();
      });

      it('a cluster-scoped kind ignores the namespace it is given or asked for', async () => {
        const n = await ns('cluster');
        const name = `t-${n}`;
        await store.create<'Task'>(task(name, { namespace: 'ignored' }));
        expect(await store.get('Task', '', name)).toBeDefined();
        expect(await store.get('Task', 'anything', name)).toBeDefined();
        expect(namesOf(await store.list('Task', { namespace: 'x' }))).toContain(name);
        expect(await store.delete('Task', 'anything', name)).toBe(true);
        expect(await store.get('Task', '', name)).toBeUndefined();
      });
    });

    it('a cluster-scoped object is stored without a namespace', async () => {
      const name = `t-${await ns('cluster-ns')}`;
      await store.create<'Task'>(task(name, { namespace: 'ignored' }));
      expect((await store.get('Task', '', name))?.metadata.namespace).toBeUndefined();
      await store.delete('Task', '', name);
    });

    describe('list', () => {
      it('filters by namespace and by every label given, in namespace then name order', async () => {
        const [a, b] = [await ns('list-a'), await ns('list-b')];
        await store.create<'Secret'>(secret(a, 's2', { labels: { team: 'db', tier: 'x' } }));
        await store.create<'Secret'>(secret(a, 's1', { labels: { team: 'db' } }));
        await store.create<'Secret'>(secret(a, 's3', { labels: { team: 'web' } }));
        await store.create<'Secret'>(secret(b, 's0', { labels: { team: 'db' } }));
        const ours = (l: Array<ObjectOf<'Secret'>>) =>
          l
            .filter((s) => [a, b].includes(s.metadata.namespace ?? ''))
            .map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
        expect(ours(await store.list('Secret', { namespace: a }))).toEqual([`${a}/s1`, `${a}/s2`, `${a}/s3`]);
        expect(ours(await store.list('Secret', { namespace: a, labels: { team: 'db' } }))).toEqual([
          `${a}/s1`,
          `${a}/s2`,
        ]);
        expect(ours(await store.list('Secret', { labels: { team: 'db' } }))).toEqual([
          `${a}/s1`,
          `${a}/s2`,
          `${b}/s0`,
        ]);
        expect(ours(await store.list('Secret', { labels: { team: 'db', tier: 'x' } }))).toEqual([`${a}/s2`]);
        const kinds = (await store.list('Secret', { namespace: a })).map((s) => [s.apiVersion, s.kind]);
        expect(new Set(kinds.map(String))).toEqual(new Set(['v1,Secret']));
        expect(await store.list('BackupSession', { namespace: a })).toEqual([]);
      });
    });

    describe('update', () => {
      it('bumps resourceVersion, bumps generation only for a spec change, keeps uid, creationTimestamp and status', async () => {
        const n = await ns('update');
        const created = await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b'));
        await store.updateStatus('BackupConfiguration', n, 'b', () => ({ phase: 'Ready' as const }));
        const labelled = await store.update<'BackupConfiguration'>({
          ...created,
          metadata: { ...created.metadata, labels: { a: 'b' }, resourceVersion: undefined },
        });
        expect(labelled.metadata.generation).toBe(1);
        expect(labelled.metadata.labels).toEqual({ a: 'b' });
        expect(labelled.status).toEqual({ phase: 'Ready' });
        const paused = await store.update<'BackupConfiguration'>({
          ...labelled,
          spec: { ...labelled.spec, paused: true },
        });
        expect(paused.metadata.generation).toBe(2);
        expect(paused.metadata.resourceVersion).not.toBe(labelled.metadata.resourceVersion);
        expect(paused.metadata.uid).toBe(created.metadata.uid);
        expect(paused.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
        expect(await store.get('BackupConfiguration', n, 'b')).toEqual(paused);
      });

      it('a stale resourceVersion is a retryable CONFLICT; none is "last writer wins"; a missing object is NOT_FOUND', async () => {
        const n = await ns('conflict');
        const created = await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b'));
        await store.update<'BackupConfiguration'>({ ...created, spec: { ...created.spec, paused: true } });
        const stale = await failure(() =>
          store.update<'BackupConfiguration'>({
            ...created,
            spec: { ...created.spec, schedule: '0 1 * * *' },
          }),
        );
        expect(stale.code).toBe('CONFLICT');
        expect(stale.retryable).toBe(true);
        expect((await store.get('BackupConfiguration', n, 'b'))?.spec).toMatchObject({
          paused: true,
          schedule: '0 0 1 1 *',
        });
        const unversioned = await store.update<'BackupConfiguration'>({
          ...created,
          metadata: { ...created.metadata, resourceVersion: undefined },
          spec: { ...created.spec, schedule: '0 2 * * *' },
        });
        expect(unversioned.spec.schedule).toBe('0 2 * * *');
        expect((await failure(() => store.update(backupConfiguration(n, 'absent')))).code).toBe('NOT_FOUND');
      });

      it('does not write status', async () => {
        const n = await ns('update-status-kept');
        await store.create<'BackupSession'>(backupSession(n, 's1'));
        const running = await store.updateStatus('BackupSession', n, 's1', () => ({
          phase: 'Running' as const,
        }));
        await store.update<'BackupSession'>({ ...running, status: { phase: 'Failed' } });
        expect((await store.get('BackupSession', n, 's1'))?.status?.phase).toBe('Running');
      });
    });

    describe('updateStatus', () => {
      it('is a read-modify-write: concurrent mutations all land', async () => {
        const n = await ns('rmw');
        await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b'));
        const append = (type: string) =>
          store.updateStatus('BackupConfiguration', n, 'b', (cur) => ({
            ...cur.status,
            conditions: [...(cur.status?.conditions ?? []), { type, status: 'True' as const }],
          }));
        await Promise.all(['A', 'B', 'C', 'D'].map(append));
        const types = (await store.get('BackupConfiguration', n, 'b'))?.status?.conditions?.map(
          (c) => c.type,
        );
        expect(types?.sort()).toEqual(['A', 'B', 'C', 'D']);
      });

      it('writes the status only: a change of the spec on the way is dropped, generation stays', async () => {
        const n = await ns('status-only');
        const created = await store.create<'BackupSession'>(backupSession(n, 's1'));
        const after = await store.updateStatus('BackupSession', n, 's1', (cur) => {
          cur.spec.retryLeft = 7;
          return { ...cur.status, phase: 'Running' as const };
        });
        expect(after.status?.phase).toBe('Running');
        const read = await store.get('BackupSession', n, 's1');
        expect(read?.status?.phase).toBe('Running');
        expect(read?.spec.retryLeft).toBeUndefined();
        expect(read?.metadata.generation).toBe(created.metadata.generation);
      });

      it('writes nothing for an undefined or unchanged status, or when the mutation throws', async () => {
        const n = await ns('status-noop');
        await store.create<'BackupSession'>(backupSession(n, 's1'));
        const running = await store.updateStatus('BackupSession', n, 's1', () => ({
          phase: 'Running' as const,
        }));
        const rv = running.metadata.resourceVersion;
        expect(
          (await store.updateStatus('BackupSession', n, 's1', () => undefined)).metadata.resourceVersion,
        ).toBe(rv);
        expect(
          (await store.updateStatus('BackupSession', n, 's1', (cur) => cur.status)).metadata.resourceVersion,
        ).toBe(rv);
        const boom = store.updateStatus('BackupSession', n, 's1', () => {
          throw new Error('boom');
        });
        await expect(boom).rejects.toThrow('boom');
        expect((await store.get('BackupSession', n, 's1'))?.metadata.resourceVersion).toBe(rv);
        // The failed mutation left nothing half-done: the next write works.
        await store.create<'Secret'>(secret(n, 'after'));
        expect((await failure(() => store.updateStatus('BackupSession', n, 'absent', () => ({})))).code).toBe(
          'NOT_FOUND',
        );
      });

      it('a kind without a status subresource is refused with INVALID_INPUT', async () => {
        const n = await ns('no-status');
        await store.create<'Secret'>(secret(n, 's'));
        const write = () => store.updateStatus('Secret', n, 's', () => ({ phase: 'x' }) as never);
        expect((await failure(write)).code).toBe('INVALID_INPUT');
        expect(await store.get('Secret', n, 's')).not.toHaveProperty('status');
      });
    });

    describe('delete', () => {
      it('removes the object and, as the garbage collector does, what it owns and what that owns', async () => {
        const n = await ns('cascade');
        const owner = await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b'));
        const s1 = await store.create<'BackupSession'>(backupSession(n, 's1', ownedBy(owner)));
        await store.create<'BackupSession'>(backupSession(n, 's2', ownedBy(owner)));
        await store.create<'Secret'>(secret(n, 'grandchild', ownedBy(s1)));
        await store.create<'Secret'>(secret(n, 'unrelated'));
        expect(await store.delete('BackupConfiguration', n, 'b')).toBe(true);
        expect(await store.get('BackupConfiguration', n, 'b')).toBeUndefined();
        await gone('the owned sessions', async () => {
          const left = await store.list('BackupSession', { namespace: n });
          return left.length ? left : undefined;
        });
        await gone('the grandchild', () => store.get('Secret', n, 'grandchild'));
        expect(await store.get('Secret', n, 'unrelated')).toBeDefined();
        expect(await store.delete('BackupConfiguration', n, 'b')).toBe(false);
      });
    });

    describe('finalizers (as the API server honours them)', () => {
      it('delete of an object with finalizers only sets deletionTimestamp; a second delete changes nothing', async () => {
        const n = await ns('fin-mark');
        const created = await store.create<'BackupConfiguration'>(
          backupConfiguration(n, 'b', { finalizers: [FINALIZER] }),
        );
        expect(await store.delete('BackupConfiguration', n, 'b')).toBe(true);
        const marked = await store.get('BackupConfiguration', n, 'b');
        expect(marked?.metadata).toMatchObject({ finalizers: [FINALIZER], uid: created.metadata.uid });
        expect(marked?.metadata.deletionTimestamp).toMatch(RFC3339_SECONDS);
        expect(marked?.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
        expect(await store.delete('BackupConfiguration', n, 'b')).toBe(true);
        expect(await store.get('BackupConfiguration', n, 'b')).toEqual(marked);
      });

      it('setting deletionTimestamp bumps generation (the spec of what the object is now)', async () => {
        const n = await ns('fin-generation');
        await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b', { finalizers: [FINALIZER] }));
        await store.delete('BackupConfiguration', n, 'b');
        expect((await store.get('BackupConfiguration', n, 'b'))?.metadata.generation).toBe(2);
      });

      it('the owned objects stay until the owner really goes', async () => {
        const n = await ns('fin-owned');
        const owner = await store.create<'BackupConfiguration'>(
          backupConfiguration(n, 'b', { finalizers: [FINALIZER] }),
        );
        await store.create<'BackupSession'>(backupSession(n, 's1', ownedBy(owner)));
        await store.delete('BackupConfiguration', n, 'b');
        expect(await store.get('BackupSession', n, 's1')).toBeDefined();
        const marked = (await store.get('BackupConfiguration', n, 'b'))!;
        await store.update<'BackupConfiguration'>({
          ...marked,
          metadata: { ...marked.metadata, finalizers: [] },
        });
        await gone('the owner', () => store.get('BackupConfiguration', n, 'b'));
        await gone('the owned session', () => store.get('BackupSession', n, 's1'));
      });

      it('the object goes only when the last finalizer is removed', async () => {
        const n = await ns('fin-last');
        await store.create<'BackupConfiguration'>(
          backupConfiguration(n, 'b', { finalizers: [FINALIZER, OTHER_FINALIZER] }),
        );
        await store.delete('BackupConfiguration', n, 'b');
        const marked = (await store.get('BackupConfiguration', n, 'b'))!;
        const one = await store.update<'BackupConfiguration'>({
          ...marked,
          metadata: { ...marked.metadata, finalizers: [OTHER_FINALIZER] },
        });
        expect(one.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
        expect((await store.get('BackupConfiguration', n, 'b'))?.metadata.finalizers).toEqual([
          OTHER_FINALIZER,
        ]);
        await store.update<'BackupConfiguration'>({
          ...one,
          metadata: { ...one.metadata, finalizers: undefined },
        });
        await gone('the object', () => store.get('BackupConfiguration', n, 'b'));
      });

      it('while deleting: deletionTimestamp cannot be cleared, the spec can change, no finalizer can be added', async () => {
        const n = await ns('fin-deleting');
        await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b', { finalizers: [FINALIZER] }));
        await store.delete('BackupConfiguration', n, 'b');
        const marked = (await store.get('BackupConfiguration', n, 'b'))!;
        const { deletionTimestamp: _cleared, ...withoutTimestamp } = marked.metadata;
        const updated = await store.update<'BackupConfiguration'>({
          ...marked,
          metadata: withoutTimestamp,
          spec: { ...marked.spec, paused: true },
        });
        expect(updated.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
        expect(updated.spec.paused).toBe(true);
        const added = await failure(() =>
          store.update<'BackupConfiguration'>({
            ...updated,
            metadata: { ...updated.metadata, finalizers: [FINALIZER, OTHER_FINALIZER] },
          }),
        );
        expect(added.code).toBe('INVALID_INPUT');
        expect(added.message).toMatch(/no new finalizers can be added/);
        expect((await store.get('BackupConfiguration', n, 'b'))?.metadata.finalizers).toEqual([FINALIZER]);
      });

      it('create ignores a deletionTimestamp given by the caller', async () => {
        const n = await ns('fin-given');
        const created = await store.create<'BackupConfiguration'>(
          backupConfiguration(n, 'b', { deletionTimestamp: GIVEN_TIME, finalizers: [OTHER_FINALIZER] }),
        );
        expect(created.metadata.deletionTimestamp).toBeUndefined();
        expect((await store.get('BackupConfiguration', n, 'b'))?.metadata.deletionTimestamp).toBeUndefined();
      });

      it('an update cannot start a deletion: deletionTimestamp is INVALID_INPUT', async () => {
        const n = await ns('fin-update');
        const created = await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b'));
        const write = () =>
          store.update<'BackupConfiguration'>({
            ...created,
            metadata: { ...created.metadata, deletionTimestamp: GIVEN_TIME },
          });
        expect((await failure(write)).code).toBe('INVALID_INPUT');
        expect((await store.get('BackupConfiguration', n, 'b'))?.metadata.deletionTimestamp).toBeUndefined();
      });

      it('deleting an owner marks an owned object that has finalizers instead of removing it', async () => {
        const n = await ns('fin-cascade');
        const owner = await store.create<'BackupConfiguration'>(backupConfiguration(n, 'b'));
        // A core kind wants a domain-qualified finalizer name (example.com/…).
        await store.create<'Secret'>(secret(n, 'held', { ...ownedBy(owner), finalizers: [OTHER_FINALIZER] }));
        await store.delete('BackupConfiguration', n, 'b');
        const held = await waitFor('the owned Secret to be marked', async () => {
          const s = await store.get('Secret', n, 'held');
          return s?.metadata.deletionTimestamp ? s : undefined;
        });
        expect(held.metadata.finalizers).toEqual([OTHER_FINALIZER]);
        await store.update<'Secret'>({ ...held, metadata: { ...held.metadata, finalizers: [] } });
        await gone('the owned Secret', () => store.get('Secret', n, 'held'));
      });
    });

    describe('events', () => {
      const event = (
        involved: { kind: string; namespace: string; name: string },
        reason: string,
        time?: string,
      ) => ({
        involvedObject: involved,
        type: reason.startsWith('W') ? ('Warning' as const) : ('Normal' as const),
        reason,
        message: `message of ${reason}`,
        source: 'BackupSession Controller',
        ...(time ? { time } : {}),
      });

      it('are listed per object, oldest first, stamped with the time they were recorded', async () => {
        const n = await ns('events');
        await store.create<'BackupSession'>(backupSession(n, 's1'));
        const involved = { kind: 'BackupSession', namespace: n, name: 's1' };
        const before = Math.floor(Date.now() / 1000) * 1000;
        await store.recordEvent(event(involved, 'NStarted'));
        await store.recordEvent(event(involved, 'WDisrupted'));
        await store.recordEvent(event({ ...involved, name: 'other' }, 'NUnrelated'));
        const after = Date.now();
        const events = await store.listEvents(involved);
        expect(events.map((e) => [e.type, e.reason, e.message, e.source])).toEqual([
          ['Normal', 'NStarted', 'message of NStarted', 'BackupSession Controller'],
          ['Warning', 'WDisrupted', 'message of WDisrupted', 'BackupSession Controller'],
        ]);
        for (const e of events) {
          expect(e.involvedObject).toEqual(involved);
          expect(Date.parse(e.time ?? '')).toBeGreaterThanOrEqual(before);
          expect(Date.parse(e.time ?? '')).toBeLessThanOrEqual(after);
        }
        expect(await store.listEvents({ ...involved, name: 'none' })).toEqual([]);
      });

      it('an event recorded with a time of its own is kept and listed by that time', async () => {
        const n = await ns('events-time');
        await store.create<'BackupSession'>(backupSession(n, 's1'));
        const involved = { kind: 'BackupSession', namespace: n, name: 's1' };
        await store.recordEvent(event(involved, 'NNow'));
        await store.recordEvent(event(involved, 'NEarlier', GIVEN_TIME));
        const events = await store.listEvents(involved);
        expect(events.map((e) => e.reason)).toEqual(['NEarlier', 'NNow']);
        expect(Date.parse(events[0]?.time ?? '')).toBe(Date.parse(GIVEN_TIME));
      });
    });

    describe('namespaceLabels', () => {
      it("carry the namespace's own name label; a namespace that does not exist has none", async () => {
        const n = await ns('labels');
        expect(await store.namespaceLabels(n)).toMatchObject({ 'kubernetes.io/metadata.name': n });
        const missing = await store.namespaceLabels(`${n}-missing`);
        if (traits.everyNamespaceExists) {
          expect(missing).toEqual({ 'kubernetes.io/metadata.name': `${n}-missing` });
        } else {
          expect(missing).toBeUndefined();
        }
      });
    });
  });
}
