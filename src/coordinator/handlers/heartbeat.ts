import type { Node } from '../../model/node.js';
import type { HandlerDeps } from '../deps.js';

/** The `heartbeat` queue: a coordinator or worker is alive. */
export async function handleHeartbeat(deps: HandlerDeps, node: Node): Promise<void> {
  await deps.ds.upsertNode(node);
}
