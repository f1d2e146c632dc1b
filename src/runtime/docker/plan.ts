import type { Task } from '../../model/task.js';
import { TaskFailure } from '../runtime.js';
import { parseCpus, parseGpus, parseMemory, type DeviceRequest } from './limits.js';
import { checkMounts, type BindPolicy, type EngineMount } from './mounts.js';
import { checkSidecars } from './sidecars.js';
import { checkFileName, slug, workingDir, type TaskContainerSettings, type Ulimit } from './spec.js';

/**
 * Everything about a task that can be checked before the engine is touched: images, limits,
 * GPUs, mounts, networks, file names, sidecar probes. A task that fails here leaves nothing.
 */

export interface PlanPolicy {
  kind: string;
  bind: BindPolicy;
  /** Whether `networks: [host]` is allowed. */
  hostNetwork: boolean;
  /** Network mode for tasks that name none. */
  defaultNetwork: string | undefined;
}

export interface Step {
  step: Task;
  image: string;
}

export interface TaskPlan {
  pre: Step[];
  main: Step;
  post: Step[];
  sidecars: Task[];
  nanoCpus: number | undefined;
  memoryBytes: number | undefined;
  deviceRequests: DeviceRequest[] | undefined;
  /** Networks the task names, `none` and `host` included. */
  networks: string[];
}

export function planTask(task: Task, policy: PlanPolicy): TaskPlan {
  if (!task.image)
    throw new TaskFailure(`image is required: the ${policy.kind} runtime runs every task in a container`);
  const image = task.image;
  // Tork requires an image on every pre and post task; the task's own is the obvious default.
  const step = (t: Task): Step => ({ step: t, image: t.image || image });
  const plan: TaskPlan = {
    pre: (task.pre ?? []).map(step),
    main: { step: task, image },
    post: (task.post ?? []).map(step),
    sidecars: task.sidecars ?? [],
    nanoCpus: task.limits?.cpus ? parseCpus(task.limits.cpus) : undefined,
    memoryBytes: task.limits?.memory ? parseMemory(task.limits.memory) : undefined,
    deviceRequests: task.gpus ? [parseGpus(task.gpus)] : undefined,
    networks: [...(task.networks ?? [])],
  };
  const labelled: Array<[string, Task]> = [['', task]];
  plan.pre.forEach((s, i) => labelled.push([`pre[${i}]: `, s.step]));
  plan.post.forEach((s, i) => labelled.push([`post[${i}]: `, s.step]));
  plan.sidecars.forEach((s, i) => labelled.push([`sidecars[${i}]: `, s]));
  for (const [where, t] of labelled) checkStep(where, t);
  checkMounts(task.mounts ?? [], policy.bind);
  checkSidecars(plan.sidecars);
  checkNetworks(plan, policy);
  return plan;
}

function checkStep(where: string, step: Task): void {
  try {
    workingDir(step);
  } catch (err) {
    throw new TaskFailure(`${where}${(err as Error).message}`);
  }
  for (const name of Object.keys(step.files ?? {})) {
    const problem = checkFileName(name);
    if (problem) throw new TaskFailure(`${where}${problem}`);
  }
}

function checkNetworks(plan: TaskPlan, policy: PlanPolicy): void {
  const special = plan.networks.find((n) => n === 'host' || n === 'none');
  if (special && (plan.networks.length > 1 || plan.sidecars.length > 0)) {
    throw new TaskFailure(`networks: ${special} cannot be combined with other networks or sidecars`);
  }
  if (special === 'host' && !policy.hostNetwork) {
    throw new TaskFailure('networks: host networking is not allowed on this worker');
  }
}

/** Settings for every container of the task, once the sidecar network (if any) exists. */
export function containerSettings(
  plan: TaskPlan,
  options: {
    labels: Record<string, string>;
    mounts: EngineMount[];
    sidecarNetwork: string | undefined;
    defaultNetwork: string | undefined;
    privileged: boolean;
    ulimits: Ulimit[] | undefined;
  },
): TaskContainerSettings {
  const networks = [...plan.networks];
  if (options.sidecarNetwork) networks.push(options.sidecarNetwork);
  return {
    labels: options.labels,
    mounts: options.mounts,
    networkMode: networks[0] ?? options.defaultNetwork,
    extraNetworks: networks.slice(1),
    privileged: options.privileged,
    ulimits: options.ulimits,
    nanoCpus: plan.nanoCpus,
    memoryBytes: plan.memoryBytes,
    deviceRequests: plan.deviceRequests,
    extraHosts: [],
  };
}

/** Extra networks with the alias a container of `step` uses on them. */
export function extraNetworks(
  settings: TaskContainerSettings,
  step: Task,
): Array<{ name: string; alias: string }> {
  return settings.extraNetworks.map((name) => ({ name, alias: slug(step.name ?? '') }));
}
