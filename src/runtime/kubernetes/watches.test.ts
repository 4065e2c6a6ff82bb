import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { classifyChange, fingerprint } from './watches.ts';

const meta = (o: Partial<NonNullable<KubernetesObject['metadata']>> = {}) => ({
  name: 'x',
  namespace: 'demo',
  generation: 1,
  resourceVersion: '1',
  ...o,
});

describe('classifyChange', () => {
  const before = fingerprint({ metadata: meta({ labels: { a: '1' } }) });
  it('tells status-only writes from metadata and spec changes', () => {
    expect(
      classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '1' }, resourceVersion: '2' }) })),
    ).toBe('status');
    expect(classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '2' } }) }))).toBe('metadata');
    expect(
      classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '1' }, finalizers: ['f'] }) })),
    ).toBe('metadata');
    expect(
      classifyChange(before, fingerprint({ metadata: meta({ labels: { a: '1' }, generation: 2 }) })),
    ).toBe('spec');
    const deleting = fingerprint({
      metadata: meta({ labels: { a: '1' }, deletionTimestamp: new Date() }),
    });
    expect(classifyChange(before, deleting)).toBe('spec');
    expect(classifyChange(undefined, deleting)).toBe('spec');
  });
});
