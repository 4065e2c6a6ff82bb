import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobState } from './job-state.ts';

const job = (
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>,
  ready = 0,
): V1Job => ({
  metadata: { name: 'j', namespace: 'demo', uid: 'u' },
  status: { conditions, ready },
});

function pod(o: {
  phase: string;
  init?: Array<{ name: string; exitCode?: number; reason?: string; signal?: number }>;
  main?: Array<{ name: string; exitCode?: number; reason?: string }>;
  created?: string;
}): V1Pod {
  const status = (s: { name: string; exitCode?: number; reason?: string; signal?: number }) => ({
    name: s.name,
    image: 'i',
    imageID: '',
    ready: false,
    restartCount: 0,
    state:
      s.exitCode === undefined
        ? { waiting: { reason: 'PodInitializing' } }
        : {
            terminated: {
              exitCode: s.exitCode,
              ...(s.reason ? { reason: s.reason } : {}),
              ...(s.signal ? { signal: s.signal } : {}),
            },
          },
  });
  return {
    metadata: { name: 'p', creationTimestamp: new Date(o.created ?? '2024-01-01T00:00:00Z') },
    spec: {
      initContainers: (o.init ?? []).map((c) => ({ name: c.name })),
      containers: (o.main ?? [{ name: 'main' }]).map((c) => ({ name: c.name })),
    },
    status: {
      phase: o.phase,
      initContainerStatuses: (o.init ?? []).map(status),
      containerStatuses: (o.main ?? []).map(status),
    },
  };
}

const BACKOFF = 'Job has reached the specified backoff limit';
const failed = [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: BACKOFF }];

describe('jobState', () => {
  it('Complete → Succeeded; no terminal condition → Pending or Running', () => {
    expect(jobState(job([{ type: 'Complete', status: 'True' }]), [])).toEqual({ phase: 'Succeeded' });
    expect(jobState(job([]), [pod({ phase: 'Pending' })])).toEqual({ phase: 'Pending' });
    expect(jobState(job([]), [pod({ phase: 'Running' })])).toEqual({ phase: 'Running' });
    expect(jobState(job([{ type: 'FailureTarget', status: 'True' }], 1), [])).toEqual({ phase: 'Running' });
  });

  it('Failed names the first failing container in run order with its exit code', () => {
    const p = pod({
      phase: 'Failed',
      init: [
        { name: 'dump', exitCode: 0 },
        { name: 'upload', exitCode: 3 },
      ],
      main: [{ name: 'update-status-1' }],
    });
    expect(jobState(job(failed), [p])).toEqual({ phase: 'Failed', reason: 'step upload exited with code 3' });
  });

  it('says OOMKilled and signals', () => {
    const oom = pod({ phase: 'Failed', main: [{ name: 'main', exitCode: 137, reason: 'OOMKilled' }] });
    expect(jobState(job(failed), [oom]).reason).toBe(
      'step main was OOMKilled (out of memory, exit code 137)',
    );
    const killed = pod({ phase: 'Failed', main: [{ name: 'main', exitCode: 137 }] });
    expect(jobState(job(failed), [killed]).reason).toBe('step main was killed by SIGKILL (exit code 137)');
    const sig = pod({ phase: 'Failed', init: [{ name: 'a', exitCode: 0, signal: 15 }] });
    expect(jobState(job(failed), [sig]).reason).toBe('step a was killed by SIGTERM');
  });

  it("falls back to the Job's condition (deadline, no pod left)", () => {
    expect(jobState(job(failed), [])).toEqual({
      phase: 'Failed',
      reason: `BackoffLimitExceeded: ${BACKOFF}`,
    });
    const deadline = job([
      { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'too long' },
    ]);
    expect(jobState(deadline, []).reason).toBe(
      'the Job ran longer than its activeDeadlineSeconds (too long)',
    );
  });
});
