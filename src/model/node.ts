import type { NodeStatus } from './states.js';

/** A coordinator or worker process, as reported by its heartbeats. */
export interface Node {
  id: string;
  name: string;
  startedAt: Date;
  cpuPercent?: number;
  lastHeartbeatAt: Date;
  /** Workers only: their private queue `x-<id>`. */
  queue?: string;
  status: NodeStatus;
  hostname?: string;
  port?: number;
  taskCount?: number;
  version: string;
}

/** A node is shown OFFLINE when it has missed two heartbeat periods. */
export const NODE_OFFLINE_AFTER_MS = 60_000;
/** Nodes whose last heartbeat is older than this are no longer listed. */
export const NODE_LISTED_FOR_MS = 5 * 60_000;
