import { Cron } from 'croner';
import { QUEUE, TOPIC, type Broker, type Subscription } from '../broker/broker.js';
import type { Datastore } from '../datastore/datastore.js';
import { coerceError } from '../errors.js';
import { parseCron } from '../input/cron.js';
import type { Logger } from '../logger.js';
import { newId } from '../model/ids.js';
import type { Job } from '../model/job.js';
import type { ScheduledJob } from '../model/scheduled-job.js';

export interface ScheduledJobRunnerOptions {
  datastore: Datastore;
  broker: Broker;
  logger: Logger;
  now?: () => Date;
}

/** How long a tick's lock is held: longer than any clock skew between coordinators. */
const TICK_LOCK_TTL_MS = 10 * 60_000;

/**
 * Fires scheduled jobs. Every coordinator keeps the cron entries of every ACTIVE schedule;
 * on a tick each one tries to take the lock named by the schedule and the tick's time, so
 * exactly one of them creates the job however many coordinators run.
 */
export class ScheduledJobRunner {
  private readonly entries = new Map<string, Cron>();
  private subscription: Subscription | undefined;
  private readonly now: () => Date;

  constructor(private readonly o: ScheduledJobRunnerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    this.subscription = await this.o.broker.subscribeEvents(TOPIC.scheduledJob, (_topic, event) => {
      if (event.kind !== 'scheduled-job') return;
      if (event.scheduledJob.state === 'ACTIVE') this.register(event.scheduledJob);
      else this.unregister(event.scheduledJob.id);
    });
    for (const sj of await this.o.datastore.listActiveScheduledJobs()) this.register(sj);
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    for (const id of [...this.entries.keys()]) this.unregister(id);
  }

  /** Ids with a live cron entry (for tests and diagnostics). */
  registered(): string[] {
    return [...this.entries.keys()];
  }

  register(sj: ScheduledJob): void {
    this.unregister(sj.id);
    let spec;
    try {
      spec = parseCron(sj.cron);
    } catch (err) {
      this.o.logger.error({ scheduledJobId: sj.id, err: coerceError(err) }, 'scheduled job has an unusable cron');
      return;
    }
    const tickOf = (cron: Cron): Date => cron.currentRun() ?? this.now();
    let cron: Cron;
    if (spec.kind === 'pattern') {
      cron = new Cron(spec.pattern, { mode: '5-part', timezone: spec.timezone, unref: true }, (c: Cron) => {
        void this.fire(sj.id, tickOf(c));
      });
    } else {
      // `@every N`: ticks at multiples of N seconds since the epoch rather than N seconds after
      // this process registered the entry, so that every coordinator fires the same ticks and the
      // tick lock lets one of them through (an interval timer per process would not line up).
      const everySeconds = Math.max(1, Math.round(spec.everyMs / 1000));
      cron = new Cron('* * * * * *', { unref: true }, (c: Cron) => {
        const tick = tickOf(c);
        if (Math.floor(tick.getTime() / 1000) % everySeconds === 0) void this.fire(sj.id, tick);
      });
    }
    this.entries.set(sj.id, cron);
  }

  unregister(id: string): void {
    this.entries.get(id)?.stop();
    this.entries.delete(id);
  }

  /** Create this tick's job, unless another coordinator already did. */
  async fire(id: string, tick: Date): Promise<Job | undefined> {
    const { datastore, broker, logger } = this.o;
    try {
      const second = Math.floor(tick.getTime() / 1000) * 1000;
      if (!(await datastore.claimLock(`scheduled-job:${id}:${second}`, this.now(), TICK_LOCK_TTL_MS))) return undefined;
      const sj = await datastore.getScheduledJob(id);
      if (sj.state !== 'ACTIVE') return undefined;
      const job = instanceOf(sj, this.now());
      await datastore.createJob(job);
      await broker.publish(QUEUE.jobs, { kind: 'job', job });
      logger.debug({ scheduledJobId: id, jobId: job.id }, 'scheduled job fired');
      return job;
    } catch (err) {
      logger.warn({ scheduledJobId: id, err: coerceError(err) }, 'scheduled job tick failed');
      return undefined;
    }
  }
}

/**
 * One run of a schedule. Unlike Tork, the instance keeps the schedule's `defaults` and gets
 * the `job` context key like any submitted job.
 */
export function instanceOf(sj: ScheduledJob, now: Date): Job {
  const id = newId();
  return {
    id,
    name: sj.name,
    description: sj.description,
    tags: sj.tags,
    state: 'PENDING',
    createdAt: now,
    createdBy: sj.createdBy,
    permissions: sj.permissions,
    tasks: sj.tasks,
    position: 0,
    taskCount: sj.tasks.length,
    inputs: sj.inputs,
    secrets: sj.secrets,
    output: sj.output,
    defaults: sj.defaults,
    webhooks: sj.webhooks,
    autoDelete: sj.autoDelete,
    schedule: { id: sj.id, cron: sj.cron },
    context: { inputs: sj.inputs ?? {}, secrets: sj.secrets ?? {}, job: { id, name: sj.name } },
  };
}
