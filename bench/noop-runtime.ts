import type { RunOptions, RunResult, Runtime } from '../src/runtime/runtime.js';
import type { Task } from '../src/model/task.js';

/**
 * A runtime that runs nothing: every task completes at once with an empty result. The
 * benchmark registers it to measure the engine's own cost per task; the product has no such
 * runtime.
 */
export class NoopRuntime implements Runtime {
  readonly name = 'noop';

  async run(_task: Task, _options: RunOptions): Promise<RunResult> {
    return { result: '', exitCode: 0 };
  }

  async healthCheck(): Promise<void> {}

  async close(): Promise<void> {}
}
