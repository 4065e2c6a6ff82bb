import { describe, expect, it } from 'vitest';
import { isSubset } from './apply-object.ts';
import { eventManifest, eventName, fromEventManifest } from './event-manifest.ts';
import { toPlain } from './plain-object.ts';

describe('eventManifest', () => {
  const at = new Date('2024-05-01T10:00:00.123Z');
  const ev = {
    involvedObject: { kind: 'BackupSession', namespace: 'demo', name: 's1' },
    type: 'Warning' as const,
    reason: 'BackupSkipped',
    message: 'Previous BackupSession: s0 is "Running"',
    source: 'BackupSession Controller',
  };

  it('names events like client-go and ties them to the object', () => {
    expect(eventName('s1', at)).toBe(`s1.${(1714557600123n * 1_000_000n).toString(16)}`);
    const m = eventManifest(ev, at, { apiVersion: 'stash.appscode.com/v1beta1', uid: 'u1' });
    expect(m.involvedObject).toEqual({
      kind: 'BackupSession',
      namespace: 'demo',
      name: 's1',
      apiVersion: 'stash.appscode.com/v1beta1',
      uid: 'u1',
    });
    expect(m.source).toEqual({ component: 'BackupSession Controller' });
    expect(m.reportingComponent).toBe('stowage');
  });

  it('round-trips through the manifest', () => {
    const back = fromEventManifest(eventManifest(ev, at));
    expect(back).toEqual({ ...ev, time: '2024-05-01T10:00:00.123Z' });
  });

  it('cuts very long messages', () => {
    expect(eventManifest({ ...ev, message: 'x'.repeat(5000) }, at).message).toHaveLength(1024);
  });
});

describe('toPlain', () => {
  it('writes Dates as metav1.Time', () => {
    expect(toPlain({ metadata: { creationTimestamp: new Date('2024-05-01T10:00:00.000Z') } })).toEqual({
      metadata: { creationTimestamp: '2024-05-01T10:00:00Z' },
    });
  });
});

describe('isSubset', () => {
  it('ignores server defaults but not changed values or array lengths', () => {
    expect(isSubset({ a: 1, b: [{ c: 'x' }] }, { a: 1, z: 2, b: [{ c: 'x', d: 'default' }] })).toBe(true);
    expect(isSubset({ a: 1 }, { a: 2 })).toBe(false);
    expect(isSubset({ b: [1] }, { b: [1, 2] })).toBe(false);
    expect(isSubset({ s: true }, {})).toBe(false);
  });
});
