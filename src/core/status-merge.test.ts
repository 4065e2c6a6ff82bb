import { describe, expect, it } from 'vitest';
import type { BackupTargetStatus } from '../api/index.ts';
import { mergeActions, upsertBackupTargetStatus, upsertConditions, upsertHostStats } from './status-merge.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ref = {
  apiVersion: 'appcatalog.appscode.com/v1alpha1',
  kind: 'AppBinding',
  namespace: 'demo',
  name: 'es',
};

describe('merges', () => {
  it('Given host stats, When a known host reports again, Then it is replaced and others kept in order', () => {
    const out = upsertHostStats(
      [
        { hostname: 'host-0', phase: 'Failed' as const },
        { hostname: 'host-1', phase: 'Succeeded' as const },
      ],
      [
        { hostname: 'host-0', phase: 'Succeeded' as const },
        { hostname: 'host-2', phase: 'Succeeded' as const },
      ],
    );
    expect(out.map((h) => `${h.hostname}:${h.phase}`)).toEqual([
      'host-0:Succeeded',
      'host-1:Succeeded',
      'host-2:Succeeded',
    ]);
  });

  it('Given action lists, When merged, Then duplicates are dropped keeping order', () => {
    expect(
      mergeActions(['ApplyRetentionPolicy'], ['VerifyRepositoryIntegrity', 'ApplyRetentionPolicy']),
    ).toEqual(['ApplyRetentionPolicy', 'VerifyRepositoryIntegrity']);
    expect(mergeActions(undefined, undefined)).toBeUndefined();
  });

  it('Given conditions, When upserted, Then matched by type and unchanged ones keep their time', () => {
    const old = [{ type: 'A', status: 'True' as const, lastTransitionTime: 'then' }];
    const out = upsertConditions(
      old,
      [
        { type: 'A', status: 'True' },
        { type: 'B', status: 'False', reason: 'R' },
      ],
      now,
    );
    expect(out).toEqual([
      { type: 'A', status: 'True', lastTransitionTime: 'then' },
      { type: 'B', status: 'False', reason: 'R', lastTransitionTime: now.toISOString() },
    ]);
  });
});

describe('upsertBackupTargetStatus', () => {
  const initiated: BackupTargetStatus = {
    ref,
    totalHosts: 1,
    preBackupActions: ['InitializeBackendRepository'],
    postBackupActions: ['ApplyRetentionPolicy'],
    conditions: [{ type: 'BackupExecutorEnsured', status: 'True', lastTransitionTime: 'then' }],
  };

  it('Given no targets, When a target is written, Then it is appended with a computed phase', () => {
    const out = upsertBackupTargetStatus(undefined, initiated, now);
    expect(out).toHaveLength(1);
    expect(out[0]?.phase).toBe('Running');
  });

  it('Given a stored target, When the job reports a host, Then stats merge, actions stay and the phase completes', () => {
    const out = upsertBackupTargetStatus(
      [initiated],
      {
        ref: { ...ref },
        stats: [{ hostname: 'host-0', phase: 'Succeeded' }],
        postBackupActions: ['ApplyRetentionPolicy'],
      },
      now,
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      totalHosts: 1,
      phase: 'Succeeded',
      preBackupActions: ['InitializeBackendRepository'],
      postBackupActions: ['ApplyRetentionPolicy'],
      stats: [{ hostname: 'host-0', phase: 'Succeeded' }],
    });
    expect(out[0]?.conditions?.[0]?.lastTransitionTime).toBe('then');
  });

  it('Given a target with another namespace, When written, Then it is a separate entry', () => {
    const out = upsertBackupTargetStatus(
      [initiated],
      { ref: { ...ref, namespace: 'other' }, totalHosts: 1 },
      now,
    );
    expect(out).toHaveLength(2);
    expect(initiated.phase).toBeUndefined();
  });

  it('Given a post-hook failure condition, When merged, Then the target becomes Failed', () => {
    const out = upsertBackupTargetStatus(
      [initiated],
      {
        ref,
        stats: [{ hostname: 'host-0', phase: 'Succeeded' }],
        conditions: [{ type: 'PostBackupHookExecutionSucceeded', status: 'False' }],
      },
      now,
    );
    expect(out[0]?.phase).toBe('Failed');
  });
});
