/**
 * A batch/v1 Job (and its pods) → the Executor's JobState. The Job's terminal conditions decide
 * the phase (the job controller sets them once the pods are done); the pods say why it failed:
 * the first container, in run order (init containers, then the main one), that terminated
 * unsuccessfully — with the same wording the standalone runner uses ("step X exited with code 3").
 */
import { constants } from 'node:os';
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { JobState } from '../../controllers/store.ts';

const MAX_DETAIL = 200;

const isTrue = (job: V1Job, type: string): boolean =>
  (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
}

/** Why one container ended unsuccessfully, or undefined when it did not (yet). */
function containerFailure(s: V1ContainerStatus): string | undefined {
  const t = s.state?.terminated;
  if (!t || (t.exitCode === 0 && !t.signal)) return undefined;
  const detail = t.message ? `: ${t.message.trim().split('\n').pop()!.slice(0, MAX_DETAIL)}` : '';
  if (t.reason === 'OOMKilled')
    return `step ${s.name} was OOMKilled (out of memory, exit code ${t.exitCode})`;
  if (t.signal)
    return `step ${s.name} was killed by ${signalName(t.signal) ?? `signal ${t.signal}`}${detail}`;
  // A shell's convention: 128+n is "killed by signal n" (SIGKILL when the kubelet stops a container).
  if (t.exitCode > 128 && signalName(t.exitCode - 128))
    return `step ${s.name} was killed by ${signalName(t.exitCode - 128)} (exit code ${t.exitCode})${detail}`;
  return `step ${s.name} exited with code ${t.exitCode}${t.reason && t.reason !== 'Error' ? ` (${t.reason})` : ''}${detail}`;
}

/** The first failing container of a pod in run order; else the pod's own reason (Evicted, DeadlineExceeded). */
function podFailure(pod: V1Pod): string | undefined {
  const byName = (list: V1ContainerStatus[] | undefined) => new Map((list ?? []).map((s) => [s.name, s]));
  const init = byName(pod.status?.initContainerStatuses);
  const main = byName(pod.status?.containerStatuses);
  const order = [
    ...(pod.spec?.initContainers ?? []).map((c) => init.get(c.name)),
    ...(pod.spec?.containers ?? []).map((c) => main.get(c.name)),
    // Statuses without a spec entry (should not happen) still count.
    ...init.values(),
    ...main.values(),
  ];
  for (const s of order) {
    const why = s && containerFailure(s);
    if (why) return why;
  }
  if (pod.status?.phase === 'Failed' && (pod.status.reason || pod.status.message))
    return `pod ${pod.metadata?.name ?? ''} failed: ${[pod.status.reason, pod.status.message].filter(Boolean).join(': ')}`;
  return undefined;
}

export function jobState(job: V1Job, pods: V1Pod[]): JobState {
  if (isTrue(job, 'Complete')) return { phase: 'Succeeded' };
  if (isTrue(job, 'Failed')) {
    const newestFirst = [...pods].sort(
      (a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp),
    );
    for (const p of newestFirst) {
      const why = podFailure(p);
      if (why) return { phase: 'Failed', reason: why };
    }
    const c = job.status?.conditions?.find((x) => x.type === 'Failed');
    const reason =
      c?.reason === 'DeadlineExceeded'
        ? `the Job ran longer than its activeDeadlineSeconds${c.message ? ` (${c.message})` : ''}`
        : [c?.reason, c?.message].filter(Boolean).join(': ') || 'the Job failed';
    return { phase: 'Failed', reason };
  }
  const running = pods.some((p) => p.status?.phase === 'Running') || (job.status?.ready ?? 0) > 0;
  return { phase: running ? 'Running' : 'Pending' };
}

function time(t: Date | string | undefined): number {
  return t === undefined ? 0 : new Date(t).getTime();
}
