import { describe, expect, it } from 'vitest';
import { applySecretTransforms } from './secret-transforms.ts';

describe('applySecretTransforms', () => {
  it('renames KubeDB image keys to username/password (the KubeDB AppBinding example)', async () => {
    const out = await applySecretTransforms({ POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: 's3cret' }, [
      { renameKey: { from: 'POSTGRES_USER', to: 'username' } },
      { renameKey: { from: 'POSTGRES_PASSWORD', to: 'password' } },
    ]);
    expect(out).toEqual({ username: 'postgres', password: 's3cret' });
  });

  it('treats a rename of a missing key as a no-op', async () => {
    expect(await applySecretTransforms({ a: '1' }, [{ renameKey: { from: 'b', to: 'c' } }])).toEqual({
      a: '1',
    });
  });

  it('decodes addKey.value as base64 and takes stringValue as plain text (stringValue wins)', async () => {
    const out = await applySecretTransforms({}, [
      { addKey: { key: 'b64', value: Buffer.from('hello:world').toString('base64') } },
      { addKey: { key: 'plain', stringValue: 'as is==' } },
      { addKey: { key: 'both', value: Buffer.from('bytes').toString('base64'), stringValue: 'string' } },
      { addKey: { key: 'empty' } },
    ]);
    expect(out).toEqual({ b64: 'hello:world', plain: 'as is==', both: 'string', empty: '' });
  });

  it('copies keys from another Secret through the lookup, then removes keys, in order', async () => {
    const seen: string[] = [];
    const out = await applySecretTransforms(
      { username: 'old', keep: 'k' },
      [
        { addKeysFrom: { secretRef: { name: 'extra' } } },
        { removeKey: { key: 'keep' } },
        { removeKey: { key: 'absent' } },
      ],
      (name) => {
        seen.push(name);
        return Promise.resolve({ username: 'new', password: 'p' });
      },
    );
    expect(seen).toEqual(['extra']);
    expect(out).toEqual({ username: 'new', password: 'p' });
  });

  it('does not change its input', async () => {
    const input = { a: '1' };
    await applySecretTransforms(input, [{ removeKey: { key: 'a' } }]);
    expect(input).toEqual({ a: '1' });
  });

  it('fails on addKeysFrom without a lookup, and on entries with zero or two operations', async () => {
    await expect(
      applySecretTransforms({}, [{ addKeysFrom: { secretRef: { name: 'x' } } }]),
    ).rejects.toMatchObject({ code: 'SECRET_LOOKUP_UNAVAILABLE' });
    await expect(applySecretTransforms({}, [{}])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      applySecretTransforms({}, [{ removeKey: { key: 'a' }, renameKey: { from: 'a', to: 'b' } }]),
    ).rejects.toThrow(/exactly one/);
  });
});
