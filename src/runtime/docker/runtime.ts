import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { Task } from '../../model/task.js';
import {
  TaskCancelled,
  TaskFailure,
  TaskTimeout,
  type RunOptions,
  type RunResult,
  type Runtime,
  type TaskIO,
} from '../runtime.js';
import { EngineConnection, isUnreachable, statusOf, type EngineKind } from './connection.js';
import { engineFailure, TaskContainer, type EngineContext } from './container.js';
import { ImageStore } from './images.js';
import { LABEL, ownerLabels, registerInstance, removeLeftovers, unregisterInstance } from './leftovers.js';
import { hostUlimits } from './limits.js';
import { prepareMounts, type BindPolicy, type PreparedMounts } from './mounts.js';
import { OutputTail } from './output.js';
import { containerSettings, extraNetworks, planTask, type Step, type TaskPlan } from './plan.js';
import { ProgressPoller } from '../progress.js';
import { createSidecarNetwork, removeNetwork, startSidecars, type RunningSidecars } from './sidecars.js';
import {
  containerSpec,
  stepArchive,
  TORK_OUTPUT,
  TORK_PROGRESS,
  type TaskContainerSettings,
  type Ulimit,
} from './spec.js';

export interface DockerRuntimeOptions {
  logger: Logger;
  /** Which engine serves the API; decides the default socket and Podman's extras. @default 'docker' */
  kind?: EngineKind;
  /** Engine address: `unix:///path`, a socket path or `tcp://host:port`. @default see `ConnectionOptions.host` */
  host?: string;
  /** Podman: start `podman system service` when nothing answers on the socket. @default true */
  startService?: boolean;
  /**
   * Identifies this worker across restarts: a restart removes the containers, volumes and
   * networks labelled with the same id that no live process owns. @default 'default'
   */
  workerId?: string;
  /** Run containers privileged. @default false */
  privileged?: boolean;
  /** Allow `networks: [host]`. @default false */
  hostNetwork?: boolean;
  /** Network mode for tasks that name no network (`none`, `host`, a network). @default the engine's default bridge */
  network?: string;
  /** Which bind mounts tasks may ask for. @default { allowed: false, sources: [] } */
  bindMounts?: BindPolicy;
  /** Docker config file with registry credentials. @default ~/.docker/config.json */
  configFile?: string;
  /** Create a throw-away container from each image before its first use. @default false */
  imageVerify?: boolean;
  /** Images this worker used and left unused this long are removed (checked hourly, when idle). @default 72 h */
  imageTtlMs?: number;
  /** How often `$TORK_PROGRESS` is read while the task runs. @default 1000 */
  progressIntervalMs?: number;
  /** Ulimits for every container. @default podman: nofile and nproc within this machine's hard limits; docker: the engine's */
  ulimits?: Ulimit[];
}

const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Runs each task in containers through the Docker Engine API (Docker, or Podman's compatible
 * service): `pre`, the task and `post` each in a fresh container sharing the task's mounts,
 * networks and limits, with sidecars beside the main container.
 *
 * Guarantees beyond the `Runtime` port: every container, volume and network a task created is
 * removed before `run` settles, whatever the outcome; all of them carry this worker's labels,
 * so a restarted worker removes what a crash left behind (on its first health check or task).
 * Non-goals: image builds, registry logins beyond pull credentials, Swarm.
 */
export class DockerRuntime implements Runtime {
  readonly name: EngineKind;
  private readonly logger: Logger;
  private readonly connection: EngineConnection;
  private readonly ctx: EngineContext;
  private readonly images: ImageStore;
  private readonly instanceId = randomUUID();
  private readonly workerId: string;
  private readonly ulimits: Ulimit[] | undefined;
  private readonly closing = new AbortController();
  private readonly active = new Set<Promise<unknown>>();
  private readonly pruneTimer: NodeJS.Timeout;
  private prepared: Promise<void> | undefined;

  constructor(private readonly options: DockerRuntimeOptions) {
    if (!options?.logger) throw new Error('DockerRuntime: option "logger" is required');
    this.name = options.kind ?? 'docker';
    this.logger = options.logger.child({ component: 'runtime', runtime: this.name });
    this.workerId = options.workerId ?? 'default';
    this.connection = new EngineConnection({
      kind: this.name,
      host: options.host,
      startService: options.startService ?? true,
      logger: this.logger,
    });
    this.ctx = { docker: this.connection.docker, where: this.connection.where, logger: this.logger };
    this.images = new ImageStore({
      docker: this.connection.docker,
      where: this.connection.where,
      logger: this.logger,
      configFile: options.configFile,
      verify: options.imageVerify,
      ttlMs: options.imageTtlMs,
    });
    this.ulimits = options.ulimits ?? (this.name === 'podman' ? hostUlimits() : undefined);
    registerInstance(this.instanceId);
    this.pruneTimer = setInterval(() => void this.pruneWhenIdle(), PRUNE_INTERVAL_MS).unref();
  }

  async run(task: Task, options: RunOptions): Promise<RunResult> {
    const signal = AbortSignal.any([options.signal, this.closing.signal]);
    if (signal.aborted) throw abortFailure(signal.reason);
    const plan = planTask(task, {
      kind: this.name,
      bind: this.options.bindMounts ?? { allowed: false, sources: [] },
      hostNetwork: this.options.hostNetwork ?? false,
      defaultNetwork: this.options.network,
    });
    const running = this.runPlan(task, plan, signal, options.io);
    this.active.add(running);
    try {
      return await running;
    } catch (err) {
      if (signal.aborted) throw abortFailure(signal.reason);
      // An engine error that escaped its context is still the engine's, not a bug of ours.
      if (!(err instanceof TaskFailure) && (statusOf(err) !== undefined || isUnreachable(err))) {
        throw engineFailure(this.ctx, 'running the task', err);
      }
      throw err;
    } finally {
      this.active.delete(running);
    }
  }

  /** Pings the engine (starting Podman's service when that is ours to do). */
  async healthCheck(): Promise<void> {
    await this.prepare();
  }

  /** Stop what still runs (its containers are removed), then the Podman service this runtime started. */
  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.closing.abort(new TaskCancelled());
    await Promise.allSettled([...this.active]);
    unregisterInstance(this.instanceId);
    await this.connection.close();
  }

  /** Remove images unused for `imageTtlMs`, when no task runs. Returns the images removed. */
  async pruneImages(now = Date.now()): Promise<string[]> {
    if (this.active.size > 0) return [];
    return this.images.prune(now);
  }

  private async pruneWhenIdle(): Promise<void> {
    try {
      await this.pruneImages();
    } catch (err) {
      this.logger.warn({ err }, 'image pruning failed');
    }
  }

  /** Reach the engine and, the first time, remove what a previous run left. Retried after a failure. */
  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await this.connection.ensureReachable();
      await removeLeftovers(this.connection.docker, this.workerId, this.logger).catch((err: unknown) => {
        this.logger.warn({ err }, 'could not remove leftovers of a previous run');
      });
    })().catch((err: unknown) => {
      this.prepared = undefined;
      throw err;
    });
    return this.prepared;
  }

  private async runPlan(task: Task, plan: TaskPlan, signal: AbortSignal, io: TaskIO): Promise<RunResult> {
    try {
      await this.prepare();
    } catch (err) {
      throw new TaskFailure((err as Error).message);
    }
    const labels = { ...ownerLabels(this.workerId, this.instanceId), [LABEL.task]: task.id ?? '' };
    let network: string | undefined;
    let mounts: PreparedMounts | undefined;
    try {
      if (plan.sidecars.length > 0) network = await createSidecarNetwork(this.ctx, labels);
      mounts = await prepareMounts(this.ctx, task.mounts ?? [], labels);
      const settings = containerSettings(plan, {
        labels,
        mounts: mounts.mounts,
        sidecarNetwork: network,
        defaultNetwork: this.options.network,
        privileged: this.options.privileged ?? false,
        ulimits: this.ulimits,
      });
      for (const pre of plan.pre) await this.runStep(pre, settings, signal, io, false);
      const result = await this.runMain(plan, settings, network, signal, io);
      for (const post of plan.post) await this.runStep(post, settings, signal, io, false);
      return { result, exitCode: 0 };
    } finally {
      const left = (await mounts?.release()) ?? [];
      if (left.length > 0) this.logger.warn({ volumes: left }, 'volumes not removed');
      if (network) await removeNetwork(this.ctx, network);
    }
  }

  private async runMain(
    plan: TaskPlan,
    settings: TaskContainerSettings,
    network: string | undefined,
    signal: AbortSignal,
    io: TaskIO,
  ): Promise<string> {
    let sidecars: RunningSidecars | undefined;
    try {
      if (network) {
        for (const s of plan.sidecars) await this.images.ensure(s.image!, s.registry, io.log, signal);
        // Sidecars live on the task's own network only, without the task's limits or GPUs.
        const sidecarSettings: TaskContainerSettings = {
          ...settings,
          networkMode: network,
          extraNetworks: [],
          nanoCpus: undefined,
          memoryBytes: undefined,
          deviceRequests: undefined,
        };
        sidecars = await startSidecars(this.ctx, plan.sidecars, sidecarSettings, network, io.log, signal);
        settings = { ...settings, extraHosts: sidecars.hosts };
      }
      return await this.runStep(plan.main, settings, signal, io, true);
    } finally {
      await sidecars?.stop();
    }
  }

  /** One container to completion; resolves with its `$TORK_OUTPUT` when `isMain`. */
  private async runStep(
    { step, image }: Step,
    settings: TaskContainerSettings,
    signal: AbortSignal,
    io: TaskIO,
    isMain: boolean,
  ): Promise<string> {
    if (signal.aborted) throw abortFailure(signal.reason);
    await this.images.ensure(image, step.registry, io.log, signal);
    const spec = containerSpec(step, image, settings);
    const container = await TaskContainer.create(
      this.ctx,
      spec,
      stepArchive(step),
      extraNetworks(settings, step),
    );
    try {
      if (signal.aborted) throw abortFailure(signal.reason);
      const tail = new OutputTail();
      await container.start((text) => {
        tail.push(text);
        io.log(text);
      });
      const interval = this.options.progressIntervalMs ?? 1000;
      const poller = isMain
        ? new ProgressPoller(
            () => container.readFile(TORK_PROGRESS),
            interval,
            (v) => io.progress(v),
            this.logger,
          )
        : undefined;
      let exit;
      try {
        exit = await container.wait(signal);
      } finally {
        await poller?.stop(!signal.aborted);
      }
      if (exit.exitCode !== 0) {
        const stored = await container.storedOutput();
        if (stored !== undefined) tail.replaceWith(stored);
        throw exitFailure(exit.exitCode, exit.oomKilled, tail.text());
      }
      return isMain ? ((await container.readFile(TORK_OUTPUT)) ?? '').replaceAll('\0', '') : '';
    } finally {
      await container.remove();
    }
  }
}

function abortFailure(reason: unknown): TaskFailure {
  if (reason instanceof TaskTimeout) {
    return new TaskFailure(`task timed out after ${reason.timeout}`, { killedBy: 'timeout' });
  }
  return new TaskFailure('task cancelled', { killedBy: 'cancel' });
}

function exitFailure(exitCode: number, oomKilled: boolean, tail: string): TaskFailure {
  const output = tail ? `: ${tail}` : '';
  if (oomKilled) {
    return new TaskFailure(`exit code ${exitCode} (out of memory)${output}`, { exitCode, killedBy: 'oom' });
  }
  return new TaskFailure(`exit code ${exitCode}${output}`, { exitCode });
}
