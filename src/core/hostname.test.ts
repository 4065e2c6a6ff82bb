import { describe, expect, it } from 'vitest';
import { hostnameFor, type HostnameContext, type HostTarget } from './hostname.ts';

describe('hostnameFor', () => {
  const cases: [string, HostTarget | undefined, HostnameContext, string][] = [
    ['no target', undefined, {}, 'host-0'],
    ['AppBinding without alias', { ref: { kind: 'AppBinding' } }, {}, 'host-0'],
    ['AppBinding with alias', { alias: 'es-prod', ref: { kind: 'AppBinding' } }, {}, 'es-prod'],
    ['PVC with empty alias', { alias: '', ref: { kind: 'PersistentVolumeClaim' } }, {}, 'host-0'],
    ['Deployment ignores an ordinal', { ref: { kind: 'Deployment' } }, { ordinal: 3 }, 'host-0'],
    ['StatefulSet pod 2', { ref: { kind: 'StatefulSet' } }, { ordinal: 2 }, 'host-2'],
    ['StatefulSet pod 2 with alias', { alias: 'db', ref: { kind: 'StatefulSet' } }, { ordinal: 2 }, 'db-2'],
    ['DaemonSet on a node', { ref: { kind: 'DaemonSet' } }, { nodeName: 'node-a' }, 'node-a'],
    [
      'DaemonSet with alias',
      { alias: 'logs', ref: { kind: 'DaemonSet' } },
      { nodeName: 'node-a' },
      'logs-node-a',
    ],
    [
      'restore per ordinal',
      { ref: { kind: 'AppBinding' } },
      { perOrdinalRestore: true, ordinal: '1' },
      'host-1',
    ],
    [
      'restore per ordinal with alias',
      { alias: 'x', ref: {} },
      { perOrdinalRestore: true, ordinal: 0 },
      'x-0',
    ],
  ];
  it.each(cases)('Given %s, When the host is derived, Then %s', (_n, target, ctx, want) => {
    expect(hostnameFor(target, ctx)).toBe(want);
  });
});
