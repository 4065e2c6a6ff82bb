/**
 * Task → Functions → containers (stash-spec §3.3 steps 1–4 and 6). Pure: Tasks and Functions are
 * passed in as lookups; the caller builds the variable map with variables.ts.
 */
import type { AppBinding, Param, StashFunction, Task, TaskRef } from '../api/index.ts';
import { StowageError } from '../errors.ts';
import { substituteObject, type Variables } from './envsubst.ts';
import { SCRATCH_DIR, SCRATCH_VOLUME } from './job-volumes.ts';

export interface AddonTask {
  name?: string;
  params: Param[];
}

export interface AddonInfo {
  backupTask: AddonTask;
  restoreTask: AddonTask;
}

/** Params of `over` replace same-named params of `base`; new ones are appended. */
export function mergeParams(base: readonly Param[] | undefined, over: readonly Param[] | undefined): Param[] {
  const out = [...(base ?? [])];
  for (const p of over ?? []) {
    const i = out.findIndex((q) => q.name === p.name);
    if (i < 0) out.push(p);
    else out[i] = p;
  }
  return out;
}

/**
 * Addon info from an AppBinding's `spec.parameters.stash.addon`, overridden by the invoker's task:
 * `task.name` replaces both task names; `task.params` are merged over the backup task's params.
 * Stash quirk, reproduced: when the invoker has params, the restore task's params are rebuilt from
 * the *backup* task's params (plus the invoker's), dropping the addon's own restoreTask params.
 */
export function resolveAddonInfo(
  appBinding: AppBinding | undefined,
  invokerTask: TaskRef | undefined,
): AddonInfo {
  const addon = appBinding?.spec.parameters?.stash?.addon;
  const backupTask = addonTask(addon?.backupTask);
  const restoreTask = addonTask(addon?.restoreTask);
  if (invokerTask?.name) {
    backupTask.name = invokerTask.name;
    restoreTask.name = invokerTask.name;
  }
  if (invokerTask?.params?.length) {
    backupTask.params = mergeParams(addon?.backupTask?.params, invokerTask.params);
    restoreTask.params = mergeParams(addon?.backupTask?.params, invokerTask.params);
  }
  return { backupTask, restoreTask };
}

/** A copy of one of the AppBinding's addon tasks (an unnamed one when it names none). */
function addonTask(task: { name: string; params?: Param[] | undefined } | undefined): AddonTask {
  const out: AddonTask = { params: [...(task?.params ?? [])] };
  if (task?.name) out.name = task.name;
  return out;
}

type TaskStep = Task['spec']['steps'][number];

export type Lookup<T> = ReadonlyMap<string, T> | ((name: string) => T | undefined);

function lookup<T>(l: Lookup<T>, name: string): T | undefined {
  return typeof l === 'function' ? l(name) : l.get(name);
}

export type K8sObject = Record<string, unknown>;

export interface ResolvedStep {
  functionName: string;
  containerName: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: K8sObject[];
  env?: K8sObject[];
  envFrom?: K8sObject[];
  volumeMounts: K8sObject[];
  volumeDevices?: K8sObject[];
  /** The Function's container runtimeSettings (resources, probes, lifecycle, securityContext, nice, ionice…). */
  runtimeSettings?: K8sObject;
  podSecurityPolicyName?: string;
  imagePullPolicy: 'IfNotPresent';
}

export interface ResolvedTask {
  taskName: string;
  steps: ResolvedStep[];
  /** Task.spec.volumes after substitution. */
  volumes: K8sObject[];
  /** Every step but the last: they run one after another as init containers. */
  initContainers: ResolvedStep[];
  /** The last step: the pod's only regular container. */
  mainContainer: ResolvedStep;
}

export interface ResolveTaskInput {
  taskName: string | undefined;
  tasks: Lookup<Task>;
  functions: Lookup<StashFunction>;
  /** backupVariables()/restoreVariables() output (invoker task params already applied). */
  variables: Variables;
}

function withSubject<T>(subject: string, extra: Record<string, unknown>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StowageError && e.code.startsWith('TEMPLATE_')) {
      throw new StowageError(e.code, `${subject}: ${e.message}`, {
        cause: e,
        details: { ...e.details, ...extra },
      });
    }
    throw e;
  }
}

function upsertByName(list: readonly K8sObject[], item: K8sObject): K8sObject[] {
  const i = list.findIndex((x) => x['name'] === item['name']);
  if (i < 0) return [...list, item];
  const out = [...list];
  out[i] = item;
  return out;
}

function asObjects(v: unknown): K8sObject[] | undefined {
  return Array.isArray(v) ? (v as K8sObject[]) : undefined;
}

export function resolveTask(input: ResolveTaskInput): ResolvedTask {
  const { taskName, task } = substitutedTask(input);
  const steps = task.spec.steps.map((step, i) => resolveStep(input, taskName, step, i));
  const mainContainer = steps[steps.length - 1] as ResolvedStep;
  return {
    taskName,
    steps,
    volumes: task.spec.volumes ?? [],
    initContainers: steps.slice(0, -1),
    mainContainer,
  };
}

/** The named Task with the variables substituted; it must exist and have steps. */
function substitutedTask(input: ResolveTaskInput): { taskName: string; task: Task } {
  const { taskName } = input;
  if (!taskName) {
    throw new StowageError(
      'TASK_NOT_FOUND',
      'no Task to run: set spec.task.name, or point spec.target.ref at an AppBinding whose spec.parameters.stash.addon names one',
    );
  }
  const rawTask = lookup(input.tasks, taskName);
  if (!rawTask) {
    throw new StowageError(
      'TASK_NOT_FOUND',
      `Task "${taskName}" not found: install the addon catalog that provides it or fix spec.task.name`,
      { details: { task: taskName } },
    );
  }
  const task = withSubject(`Task "${taskName}"`, { task: taskName }, () =>
    substituteObject(rawTask, input.variables),
  );
  if (task.spec.steps.length === 0) {
    throw new StowageError('TASK_INVALID', `Task "${taskName}" has no steps`, {
      details: { task: taskName },
    });
  }
  return { taskName, task };
}

/**
 * Step `i` of the Task: its Function, substituted with the step's params, then the variables
 * (which win), then ADDON_IMAGE (the Function's own image, which nothing overrides).
 */
function resolveStep(input: ResolveTaskInput, taskName: string, step: TaskStep, i: number): ResolvedStep {
  const rawFn = lookup(input.functions, step.name);
  if (!rawFn) {
    throw new StowageError(
      'FUNCTION_NOT_FOUND',
      `Function "${step.name}" (step ${i} of Task "${taskName}") not found: install the addon catalog that provides it`,
      { details: { task: taskName, function: step.name } },
    );
  }
  const inputs: Record<string, string> = {};
  for (const p of step.params ?? []) inputs[p.name] = p.value;
  Object.assign(inputs, input.variables, { ADDON_IMAGE: rawFn.spec.image });
  const fn = withSubject(
    `Function "${step.name}" (Task "${taskName}")`,
    { task: taskName, function: step.name },
    () => substituteObject(rawFn, inputs),
  );
  return stepContainer(`${step.name.replaceAll('.', '-')}-${i}`, step.name, fn.spec);
}

/** The container of one step: the Function's fields that are set, and the scratch volume mounted. */
function stepContainer(
  containerName: string,
  functionName: string,
  spec: StashFunction['spec'],
): ResolvedStep {
  const rs = spec.runtimeSettings;
  const resolved: ResolvedStep = {
    functionName,
    containerName,
    image: spec.image,
    volumeMounts: upsertByName(spec.volumeMounts ?? [], { name: SCRATCH_VOLUME, mountPath: SCRATCH_DIR }),
    imagePullPolicy: 'IfNotPresent',
  };
  if (spec.command) resolved.command = spec.command;
  if (spec.args) resolved.args = spec.args;
  if (spec.workingDir) resolved.workingDir = spec.workingDir;
  if (spec.ports) resolved.ports = spec.ports;
  if (spec.volumeDevices) resolved.volumeDevices = spec.volumeDevices;
  if (spec.podSecurityPolicyName) resolved.podSecurityPolicyName = spec.podSecurityPolicyName;
  const env = asObjects(rs?.['env']);
  if (env) resolved.env = env;
  const envFrom = asObjects(rs?.['envFrom']);
  if (envFrom) resolved.envFrom = envFrom;
  if (rs) resolved.runtimeSettings = rs;
  return resolved;
}
