/**
 * States of jobs, tasks, nodes and scheduled jobs, spelled as on the wire (Tork's names).
 * Each list is declared once `as const` and its union type derived from it.
 */

export const JOB_STATES = ['PENDING', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** `RESTART` travels on the `jobs` queue only; it is never stored. */
export type JobMessageState = JobState | 'RESTART';

export const TASK_STATES = [
  'CREATED',
  'PENDING',
  'SCHEDULED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'SKIPPED',
  'STOPPED',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Tasks that still have work ahead of them. */
export const ACTIVE_TASK_STATES: readonly TaskState[] = ['CREATED', 'PENDING', 'SCHEDULED', 'RUNNING'];

export function isTaskActive(state: TaskState): boolean {
  return ACTIVE_TASK_STATES.includes(state);
}

/** Jobs whose tasks may still change state. */
export function isJobActive(state: JobState): boolean {
  return state === 'RUNNING' || state === 'SCHEDULED';
}

export function isJobTerminal(state: JobState): boolean {
  return state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELLED';
}

export const NODE_STATUSES = ['UP', 'DOWN', 'OFFLINE'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const SCHEDULED_JOB_STATES = ['ACTIVE', 'PAUSED'] as const;
export type ScheduledJobState = (typeof SCHEDULED_JOB_STATES)[number];
