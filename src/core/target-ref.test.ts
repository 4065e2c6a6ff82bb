import { describe, expect, it } from 'vitest';
import { targetRefEquals, targetRefOf } from './target-ref.ts';

const ref = {
  apiVersion: 'appcatalog.appscode.com/v1alpha1',
  kind: 'AppBinding',
  namespace: 'demo',
  name: 'es',
};

describe('targetRefEquals', () => {
  it.each([
    ['identical refs', ref, { ...ref }, true],
    ['different name', ref, { ...ref, name: 'other' }, false],
    ['different namespace', ref, { ...ref, namespace: 'x' }, false],
    ['different apiVersion', ref, { ...ref, apiVersion: 'v1' }, false],
    ['different kind', ref, { ...ref, kind: 'PersistentVolumeClaim' }, false],
    ['absent vs empty namespace', { kind: 'A', name: 'n' }, { kind: 'A', name: 'n', namespace: '' }, true],
  ])('Given %s, When compared, Then %s', (_n, a, b, want) => {
    expect(targetRefEquals(a, b)).toBe(want);
  });
});

describe('targetRefOf', () => {
  it('Given a target without kind, apiVersion or namespace, When read, Then the AppBinding in the invoker namespace', () => {
    expect(
      targetRefOf({ metadata: { namespace: 'demo' }, spec: { target: { ref: { name: 'es' } } } }),
    ).toEqual(ref);
  });
  it('Given a target in another namespace, When read, Then its namespace is kept', () => {
    const bc = { metadata: { namespace: 'demo' }, spec: { target: { ref: { ...ref, namespace: 'db' } } } };
    expect(targetRefOf(bc).namespace).toBe('db');
  });
});
