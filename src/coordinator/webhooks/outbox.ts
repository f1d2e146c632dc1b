import type { Datastore, WebhookDelivery } from '../../datastore/datastore.js';
import { coerceError } from '../../errors.js';
import { evaluateExpression } from '../../expr/evaluate.js';
import { evaluateTemplate, extractExpression } from '../../expr/template.js';
import { newId } from '../../model/ids.js';
import type { Job } from '../../model/job.js';
import type { Task, Webhook } from '../../model/task.js';
import { encodeJson, jobSummaryToWire, taskSummaryToWire } from '../../model/wire.js';
import type { HandlerDeps } from '../deps.js';
import type { Effects } from '../effects.js';
import { contextOf } from '../evaluate.js';

type Change = Effects['changes'][number];

/** Tork's rule: an empty `event` means job state changes. */
function wants(hook: Webhook, event: string): boolean {
  return (hook.event || 'job.StateChange') === event;
}

/**
 * The values a webhook `if` sees: `job` (and `task`) with Tork's Go field names
 * (`job.State`, `task.Name`), and the wire names too (`job.state`), so both spellings work.
 */
function goFields(wire: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...wire };
  for (const [key, value] of Object.entries(wire)) {
    const go = key === 'id' ? 'ID' : key === 'jobId' ? 'JobID' : key.charAt(0).toUpperCase() + key.slice(1);
    out[go] = value;
  }
  return out;
}

function passesIf(hook: Webhook, scope: Record<string, unknown>): boolean {
  if (!hook.if) return true;
  return evaluateExpression(extractExpression(hook.if), scope) === true;
}

/**
 * Turn committed job/task changes into outbox rows for the job's webhooks; returns how many.
 * Runs inside the transaction that made the changes. Payloads are redacted summaries; a header
 * whose template fails is sent empty (as Tork does), a failing `if` skips the hook with a log
 * line.
 */
export async function writeWebhookOutbox(deps: HandlerDeps, tx: Datastore, changes: Change[]): Promise<number> {
  // The jobs this transaction wrote are current (the last change of each is its final state):
  // a task change of such a job needs no read of it.
  const jobs = new Map<string, Job | undefined>();
  for (const change of changes) if ('job' in change) jobs.set(change.job.id, change.job);
  const rows: WebhookDelivery[] = [];
  const now = deps.now();
  const hookless = jobsWithoutWebhooks(deps);
  for (const change of changes) {
    const jobId = 'job' in change ? change.job.id : change.task.jobId!;
    if (hookless.has(jobId)) continue;
    // Every job a change carries is in `jobs` already: only a task change's job may need a read.
    if (!jobs.has(jobId)) jobs.set(jobId, await readJob(tx, jobId, hookless));
    // A job change carries the job as it was then: its payload shows that state.
    const job = 'job' in change ? change.job : jobs.get(jobId);
    const hooks = job?.webhooks?.filter((h) => wants(h, change.event));
    if (!job || !hooks?.length) continue;
    const payload = payloadOf(deps, job, 'task' in change ? change.task : undefined);
    const scope = { job: goFields(jobSummaryToWire(job)), ...('task' in change ? { task: goFields(taskSummaryToWire(change.task)) } : {}) };
    for (const hook of hooks) {
      try {
        if (!passesIf(hook, scope)) continue;
      } catch (err) {
        deps.logger.warn({ jobId, err: coerceError(err) }, 'webhook if failed; hook skipped');
        continue;
      }
      rows.push({
        id: newId(),
        jobId,
        event: change.event,
        url: hook.url,
        headers: evaluateHeaders(hook, job),
        body: payload,
        attempts: 0,
        state: 'PENDING',
        nextAttemptAt: now,
        createdAt: now,
      });
    }
  }
  if (rows.length > 0) await tx.enqueueWebhooks(rows);
  return rows.length;
}

/**
 * Jobs known to have no webhooks, per coordinator. A job's webhooks are fixed when it is
 * submitted, so this never goes stale, and it spares every task change on the hot path a read of
 * its job. Only jobs read here are remembered: a job carried by a change may be partial.
 */
const hooklessJobs = new WeakMap<HandlerDeps, Set<string>>();
const REMEMBERED_JOBS = 10_000;

function jobsWithoutWebhooks(deps: HandlerDeps): Set<string> {
  let set = hooklessJobs.get(deps);
  if (!set) hooklessJobs.set(deps, (set = new Set()));
  return set;
}

async function readJob(tx: Datastore, jobId: string, hookless: Set<string>): Promise<Job | undefined> {
  const job = await tx.findJob(jobId);
  if (job && !job.webhooks?.length) {
    // A Set iterates in insertion order: forget the oldest first.
    if (hookless.size >= REMEMBERED_JOBS) hookless.delete(hookless.values().next().value!);
    hookless.add(jobId);
  }
  return job;
}

function payloadOf(deps: HandlerDeps, job: Job, task: Task | undefined): string {
  const secrets = job.secrets ?? job.context.secrets;
  if (task) return encodeJson(taskSummaryToWire(deps.redactor.redactTask(task, secrets)));
  return encodeJson(jobSummaryToWire(deps.redactor.redactSummary(job)));
}

function evaluateHeaders(hook: Webhook, job: Job): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(hook.headers ?? {})) {
    try {
      headers[name] = evaluateTemplate(template, contextOf(job));
    } catch {
      headers[name] = '';
    }
  }
  return headers;
}
