import { MetricsRegistry, type Counter, type Histogram } from '../metrics.js';
import type { Job } from '../model/job.js';
import { taskKind, type Task } from '../model/task.js';

/** Seconds: from sub-second tasks to four-hour ones. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400] as const;
const FINISHED_JOB = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const FINISHED_TASK = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED']);

/** How a webhook attempt ended: sent, failing but to be tried again, or given up. */
export type WebhookOutcome = 'delivered' | 'retried' | 'failed';

/**
 * What a coordinator counts as it commits changes, exposed by `GET /metrics` in Prometheus'
 * format. Counts start at zero with the process, as Prometheus counters do; with several
 * coordinators, sum them across instances.
 */
export class CoordinatorMetrics {
  private readonly jobsFinished: Counter;
  private readonly tasksFinished: Counter;
  private readonly taskDuration: Histogram;
  private readonly retries: Counter;
  private readonly webhooks: Counter;

  constructor(readonly registry: MetricsRegistry = new MetricsRegistry()) {
    this.jobsFinished = registry.counter(
      'drover_jobs_finished_total',
      'Jobs that reached a final state, by state.',
    );
    this.tasksFinished = registry.counter(
      'drover_tasks_finished_total',
      'Task records that reached a final state, by state (each attempt counts).',
    );
    this.taskDuration = registry.histogram(
      'drover_task_duration_seconds',
      'Run time of tasks run by workers, from start to end, by final state.',
      DURATION_BUCKETS,
    );
    this.retries = registry.counter('drover_task_retries_total', 'Retries scheduled for failed tasks.');
    this.webhooks = registry.counter(
      'drover_webhook_deliveries_total',
      'Webhook delivery attempts, by outcome.',
    );
  }

  jobChanged(job: Job): void {
    if (FINISHED_JOB.has(job.state)) this.jobsFinished.inc({ state: job.state });
  }

  taskChanged(task: Task): void {
    if (!task.state || !FINISHED_TASK.has(task.state)) return;
    this.tasksFinished.inc({ state: task.state });
    const end = task.completedAt ?? task.failedAt;
    if (taskKind(task) === 'regular' && task.startedAt && end && task.state !== 'SKIPPED') {
      this.taskDuration.observe(Math.max(0, end.getTime() - task.startedAt.getTime()) / 1000, {
        state: task.state,
      });
    }
  }

  taskRetried(): void {
    this.retries.inc();
  }

  webhookAttempt(outcome: WebhookOutcome): void {
    this.webhooks.inc({ outcome });
  }
}
