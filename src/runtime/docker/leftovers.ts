import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { Logger } from '../../logger.js';
import { engineMessage } from './connection.js';
import { forceRemove } from './container.js';
import { removeVolume } from './mounts.js';

/**
 * Labels on everything a runtime creates (containers, volumes, networks), so that a worker
 * restarted after a crash can find and remove what its previous run left behind.
 */
export const LABEL = {
  managed: 'drover.managed',
  worker: 'drover.worker',
  instance: 'drover.instance',
  host: 'drover.host',
  pid: 'drover.pid',
  task: 'drover.task',
} as const;

/** Runtime instances alive in this process: their resources are never leftovers. */
const liveInstances = new Set<string>();

export function registerInstance(id: string): void {
  liveInstances.add(id);
}
export function unregisterInstance(id: string): void {
  liveInstances.delete(id);
}

/** The labels of one runtime instance. */
export function ownerLabels(workerId: string, instanceId: string): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.worker]: workerId,
    [LABEL.instance]: instanceId,
    [LABEL.host]: hostname(),
    [LABEL.pid]: String(process.pid),
  };
}

/**
 * True when the labels belong to a runtime that still runs: one in this process, or another
 * process on this host that is alive (two workers with the same name on one machine).
 * Resources from another host cannot be checked; the same worker name means the same worker.
 */
function isStillOwned(labels: Record<string, string> | undefined): boolean {
  if (!labels) return false;
  if (liveInstances.has(labels[LABEL.instance] ?? '')) return true;
  const pid = Number(labels[LABEL.pid]);
  if (labels[LABEL.host] !== hostname() || !Number.isInteger(pid) || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove the containers, volumes and networks a previous run of `workerId` left. Returns how many. */
export async function removeLeftovers(docker: Docker, workerId: string, logger: Logger): Promise<number> {
  const filters = { label: [`${LABEL.worker}=${workerId}`] };
  let count = 0;
  const containers = await docker.listContainers({ all: true, filters });
  for (const info of containers.filter((c) => !isStillOwned(c.Labels))) {
    await forceRemove({ docker, logger, where: '' }, docker.getContainer(info.Id), info.State === 'running');
    count++;
  }
  const { Volumes: volumes } = await docker.listVolumes({ filters });
  for (const volume of (volumes ?? []).filter((v) => !isStillOwned(v.Labels))) {
    if (await removeVolume(docker, volume.Name)) count++;
    else logger.warn({ volume: volume.Name }, 'leftover volume not removed');
  }
  const networks = await docker.listNetworks({ filters });
  for (const network of networks.filter((n) => !isStillOwned(n.Labels))) {
    try {
      await docker.getNetwork(network.Id).remove();
      count++;
    } catch (err) {
      logger.warn({ network: network.Name, error: engineMessage(err) }, 'leftover network not removed');
    }
  }
  if (count > 0) logger.info({ workerId, count }, 'removed what a previous run left behind');
  return count;
}
