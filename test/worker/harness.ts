import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { waitFor } from '../../src/async.js';
import type { Message } from '../../src/broker/broker.js';
import { QUEUE } from '../../src/broker/broker.js';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { TaskLogPart } from '../../src/model/log-part.js';
import type { Node } from '../../src/model/node.js';
import type { Task } from '../../src/model/task.js';
import { ShellRuntime } from '../../src/runtime/shell/runtime.js';
import { Worker, type WorkerOptions } from '../../src/worker/worker.js';

/** A message the worker sent to a coordinator queue. */
export interface Sent {
  queue: string;
  message: Message;
}

/** A real broker and shell runtime around the workers a test starts, plus what they sent. */
export interface WorkerHarness {
  readonly broker: InMemoryBroker;
  readonly tempDir: string;
  /** Everything sent to a coordinator queue, in arrival order. */
  readonly sent: Sent[];
  startWorker(options?: Partial<WorkerOptions>): Promise<Worker>;
  /** Register a worker built by the test, so it is closed after the test. */
  track(worker: Worker): Worker;
  task(fields: Partial<Task>): Task;
  tasksOn(queue: string, id?: string): Task[];
  logsOf(id: string): TaskLogPart[];
  heartbeats(): Node[];
  /** The task as reported on `completed` or `error`, once it is. */
  outcome(id: string): Promise<Task>;
  /** A script that waits until the test opens the gate. */
  untilGate(): string;
  openGate(): Promise<void>;
}

/**
 * Registers the hooks of a worker test file: a fresh broker per test, workers closed and the
 * broker shut after each test, and a check that no work dir is left behind.
 */
export function useWorkerHarness(): WorkerHarness {
  let tempDir = '';
  let broker: InMemoryBroker;
  let sent: Sent[] = [];
  let workers: Worker[] = [];
  let gate = '';

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'drover-worker-test-'));
  });
  afterAll(async () => {
    await rm(tempDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    broker = new InMemoryBroker({ logger: silentLogger() });
    sent = [];
    workers = [];
    gate = join(tempDir, `gate-${newId()}`);
    const queues = [QUEUE.started, QUEUE.completed, QUEUE.error, QUEUE.logs, QUEUE.progress, QUEUE.heartbeat];
    for (const queue of queues) {
      await broker.subscribe(queue, async (message) => void sent.push({ queue, message }), {
        concurrency: 100,
      });
    }
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await broker.close();
    expect((await readdir(tempDir)).filter((name) => name.startsWith('drover-'))).toEqual([]);
  });

  const tasksOn = (queue: string, id?: string): Task[] =>
    sent.flatMap((s) =>
      s.queue === queue && s.message.kind === 'task' && (!id || s.message.task.id === id)
        ? [s.message.task]
        : [],
    );
  const harness: WorkerHarness = {
    get broker() {
      return broker;
    },
    get tempDir() {
      return tempDir;
    },
    get sent() {
      return sent;
    },
    track(worker) {
      workers.push(worker);
      return worker;
    },
    async startWorker(options = {}) {
      const runtime = new ShellRuntime({ logger: silentLogger(), tempDir, progressIntervalMs: 20 });
      const worker = harness.track(
        // `started` at once, as these tests expect it for every task; the delay is tested apart.
        new Worker({ broker, runtime, logger: silentLogger(), version: '0.1.0-test', startedDelayMs: 0, ...options }),
      );
      await worker.start();
      return worker;
    },
    task: (fields) => ({ id: newId(), jobId: newId(), name: 'worker test', state: 'SCHEDULED', ...fields }),
    tasksOn,
    logsOf: (id) =>
      sent.flatMap((s) => (s.message.kind === 'log' && s.message.part.taskId === id ? [s.message.part] : [])),
    heartbeats: () => sent.flatMap((s) => (s.message.kind === 'node' ? [s.message.node] : [])),
    outcome: (id) =>
      waitFor(() => tasksOn(QUEUE.completed, id)[0] ?? tasksOn(QUEUE.error, id)[0], {
        message: `task ${id} to finish`,
      }),
    untilGate: () => `while [ ! -e '${gate}' ]; do sleep 0.02; done`,
    openGate: () => writeFile(gate, ''),
  };
  return harness;
}
