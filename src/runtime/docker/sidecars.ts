import { randomUUID } from 'node:crypto';
import { delay } from '../../async.js';
import { parseDuration } from '../../duration.js';
import type { Task } from '../../model/task.js';
import { TaskFailure } from '../runtime.js';
import { abortable, engineFailure, TaskContainer, type EngineContext } from './container.js';
import { containerSpec, slug, stepArchive, type TaskContainerSettings } from './spec.js';

/**
 * A task's `sidecars`: containers started before the main container on a bridge network of
 * their own, reachable from the main container by the slug of their name, and removed after it.
 */

const PROBE_INTERVAL_MS = 1000;
const PROBE_REQUEST_TIMEOUT_MS = 3000;
const DEFAULT_PROBE_TIMEOUT = '1m';

/** Check each sidecar's probe timeout before anything is created. */
export function checkSidecars(sidecars: readonly Task[]): void {
  sidecars.forEach((sidecar, i) => {
    if (!sidecar.image) throw new TaskFailure(`sidecars[${i}]: image is required`);
    const timeout = sidecar.probe?.timeout;
    if (timeout && parseDuration(timeout) === undefined) {
      throw new TaskFailure(`sidecars[${i}]: invalid probe timeout: ${timeout}`);
    }
  });
}

/** Create the bridge network the task's containers and its sidecars share. */
export async function createSidecarNetwork(
  ctx: EngineContext,
  labels: Record<string, string>,
): Promise<string> {
  const name = `drover-${randomUUID()}`;
  try {
    await ctx.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels });
  } catch (err) {
    throw engineFailure(ctx, 'creating the sidecar network', err);
  }
  return name;
}

/** Remove a network, retrying while the engine still counts removed containers on it. Never throws. */
export async function removeNetwork(ctx: EngineContext, name: string): Promise<void> {
  for (let attempt = 1, waitMs = 200; ; attempt++, waitMs *= 2) {
    try {
      await ctx.docker.getNetwork(name).remove();
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      if (attempt >= 5) {
        ctx.logger.warn({ network: name, err }, 'network not removed');
        return;
      }
      await delay(waitMs);
    }
  }
}

export interface RunningSidecars {
  /** `/etc/hosts` lines (`alias:ip`) for the main container. */
  hosts: string[];
  stop(): Promise<void>;
}

/**
 * Start each sidecar in order (waiting for its probe, when it has one). Their output goes to
 * `log`. On failure, those already started are removed before the error is thrown.
 */
export async function startSidecars(
  ctx: EngineContext,
  sidecars: readonly Task[],
  settings: TaskContainerSettings,
  network: string,
  log: (text: string) => void,
  signal: AbortSignal,
): Promise<RunningSidecars> {
  const started: TaskContainer[] = [];
  const hosts: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.splice(0).map((c) => c.remove()));
  };
  try {
    for (const sidecar of sidecars) {
      const probePort = sidecar.probe?.port;
      const spec = containerSpec(sidecar, sidecar.image!, settings, { probePort });
      const container = await TaskContainer.create(ctx, spec, stepArchive(sidecar), []);
      started.push(container);
      await container.start(log);
      const address = await container.address(network);
      const alias = slug(sidecar.name ?? '');
      if (address && alias) hosts.push(`${alias}:${address}`);
      if (sidecar.probe) await probe(container, sidecar, signal);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { hosts, stop };
}

/** Poll `GET http://127.0.0.1:<published port><path>` every second until it answers 200. */
async function probe(container: TaskContainer, sidecar: Task, signal: AbortSignal): Promise<void> {
  const { path, port } = sidecar.probe!;
  const timeout = sidecar.probe!.timeout || DEFAULT_PROBE_TIMEOUT;
  const deadline = Date.now() + parseDuration(timeout)!;
  const url = `http://127.0.0.1:${await container.hostPort(port)}${path.startsWith('/') ? path : `/${path}`}`;
  for (;;) {
    try {
      const res = await abortable(
        fetch(url, { signal: AbortSignal.timeout(PROBE_REQUEST_TIMEOUT_MS) }),
        signal,
      );
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch (err) {
      if (signal.aborted) throw err;
    }
    if (Date.now() + PROBE_INTERVAL_MS > deadline) {
      throw new TaskFailure(
        `error waiting for container ${sidecar.name ?? ''} to be ready: probe timed out after ${timeout}`,
      );
    }
    await delay(PROBE_INTERVAL_MS, signal);
  }
}
