/** A real API over a SQLite file in a temp dir and an in-memory broker, for `app.inject`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { buildApp } from '../../src/api/app.js';
import type { EventHandler, Message, Subscription } from '../../src/broker/broker.js';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import type { Config } from '../../src/config/config.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { Job } from '../../src/model/job.js';
import type { Task } from '../../src/model/task.js';

/** The in-memory broker, counting open event subscriptions so tests can see them closed. */
export class CountingBroker extends InMemoryBroker {
  openEventSubscriptions = 0;

  override async subscribeEvents(pattern: string, handler: EventHandler): Promise<Subscription> {
    const inner = await super.subscribeEvents(pattern, handler);
    this.openEventSubscriptions++;
    let closed = false;
    return {
      close: async () => {
        if (!closed) this.openEventSubscriptions--;
        closed = true;
        await inner.close();
      },
    };
  }
}

export interface TestApi {
  app: FastifyInstance;
  datastore: SqliteDatastore;
  /** The SQLite file of `datastore`. */
  dbPath: string;
  broker: CountingBroker;
  /** Messages published to the `jobs` queue, in order. */
  jobMessages: Message[];
  close(): Promise<void>;
}

export interface TestApiOptions {
  configure?: (config: Pick<Config, 'coordinator' | 'middleware'>) => void;
  allowComposite?: boolean;
  logger?: Logger;
  /** @default a new CountingBroker */
  broker?: CountingBroker;
}

export async function startApi(options: TestApiOptions = {}): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-api-'));
  const dbPath = join(dir, 'drover.db');
  const datastore = new SqliteDatastore({ path: dbPath });
  await datastore.migrate();
  const logger = options.logger ?? silentLogger();
  const broker = options.broker ?? new CountingBroker({ logger: silentLogger() });
  const jobMessages: Message[] = [];
  const subscription = await broker.subscribe('jobs', async (message) => {
    jobMessages.push(message);
  });
  const config = defaultConfig({ cpus: 1, stderrIsTTY: false });
  options.configure?.(config);
  const app = await buildApp({
    datastore,
    broker,
    logger,
    version: '9.9.9',
    config,
    ...(options.allowComposite === undefined ? {} : { allowComposite: options.allowComposite }),
  });
  return {
    app,
    datastore,
    dbPath,
    broker,
    jobMessages,
    close: async () => {
      await app.close();
      await subscription.close();
      await broker.close();
      await datastore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    id: newId(),
    name: 'test job',
    state: 'RUNNING',
    createdAt: new Date('2024-05-01T10:20:30.120Z'),
    tasks: [{ name: 'first', run: 'echo hi' }],
    position: 1,
    context: {},
    taskCount: 1,
    ...overrides,
  };
}

export function makeTask(job: Job, overrides: Partial<Task> = {}): Task {
  return {
    id: newId(),
    jobId: job.id,
    position: 1,
    name: 'first',
    state: 'RUNNING',
    createdAt: new Date('2024-05-01T10:20:31Z'),
    run: 'echo hi',
    ...overrides,
  };
}

/** The parsed JSON body of a response. */
export function json(response: { body: string }): unknown {
  return JSON.parse(response.body) as unknown;
}
