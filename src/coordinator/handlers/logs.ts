import type { TaskLogPart } from '../../model/log-part.js';
import { newId } from '../../model/ids.js';
import type { HandlerDeps } from '../deps.js';

/** Secrets of recent jobs by task id, so each log part costs no extra reads. */
class SecretsCache {
  private readonly byTask = new Map<string, Record<string, string>>();
  constructor(private readonly capacity = 1000) {}

  async get(deps: HandlerDeps, taskId: string): Promise<Record<string, string> | undefined> {
    const hit = this.byTask.get(taskId);
    if (hit) return hit;
    const task = await deps.ds.findTask(taskId);
    if (!task) return undefined;
    const job = await deps.ds.findJob(task.jobId!);
    const secrets = job?.secrets ?? job?.context.secrets ?? {};
    if (this.byTask.size >= this.capacity) this.byTask.delete(this.byTask.keys().next().value!);
    this.byTask.set(taskId, secrets);
    return secrets;
  }
}

/**
 * The `logs` queue: store chunks of task output. Secret values are masked before they are
 * stored, so no log read, export or backup ever holds them in clear.
 */
export function createLogsHandler(deps: HandlerDeps): (part: TaskLogPart) => Promise<void> {
  const cache = new SecretsCache();
  return async (part) => {
    if (!part.taskId || !(part.number >= 1)) {
      deps.logger.warn({ taskId: part.taskId, number: part.number }, 'malformed log part dropped');
      return;
    }
    const secrets = await cache.get(deps, part.taskId);
    if (!secrets) {
      deps.logger.debug({ taskId: part.taskId }, 'log part of an unknown task dropped');
      return;
    }
    const contents = deps.redactor.redactText(part.contents, secrets);
    await deps.ds.createLogParts([{ id: newId(), number: part.number, taskId: part.taskId, contents, createdAt: deps.now() }]);
  };
}
