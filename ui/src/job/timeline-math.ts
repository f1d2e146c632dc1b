/**
 * The timeline's bars: three segments per task record, computed from its timestamps (UI.md
 * §2.3): waiting (created → scheduled: behind a dependency or a concurrency slot), queued
 * (scheduled → started: waiting for a worker), running (started → ended, or now). Pure.
 */
import type { TaskBrief } from '../../../src/api/ui/shapes.js';

export type SegmentKind = 'waiting' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface Segment {
  kind: SegmentKind;
  from: number;
  to: number;
}

const ACTIVE = new Set(['CREATED', 'PENDING', 'SCHEDULED', 'RUNNING']);

/** The segments of one record; empty for a SKIPPED task (drawn as a dot) or one not created. */
export function segments(task: TaskBrief, now: number): Segment[] {
  if (task.state === 'SKIPPED' || task.createdAt === undefined) return [];
  const out: Segment[] = [];
  const active = ACTIVE.has(task.state);
  const end = task.endedAt ?? (active ? now : (task.startedAt ?? task.scheduledAt ?? task.createdAt));
  const scheduled = task.scheduledAt ?? (task.startedAt !== undefined ? task.startedAt : active ? now : end);
  const push = (kind: SegmentKind, from: number, to: number): void => {
    if (to > from) out.push({ kind, from, to });
  };
  push('waiting', task.createdAt, Math.min(scheduled, end));
  if (task.scheduledAt !== undefined)
    push('queued', task.scheduledAt, Math.min(task.startedAt ?? (active ? now : end), end));
  if (task.startedAt !== undefined) {
    const kind: SegmentKind =
      task.state === 'COMPLETED'
        ? 'completed'
        : task.state === 'FAILED'
          ? 'failed'
          : task.state === 'CANCELLED' || task.state === 'STOPPED'
            ? 'cancelled'
            : 'running';
    push(kind, task.startedAt, end);
  }
  return out;
}

/** The time span the axis covers: from the job's start (or creation, with queue time) to its end or now. */
export function axisSpan(
  job: { createdAt: number; startedAt?: number; endedAt?: number },
  records: TaskBrief[],
  now: number,
  includeQueue: boolean,
): { from: number; to: number } {
  const from = includeQueue ? job.createdAt : (job.startedAt ?? job.createdAt);
  let to = job.endedAt ?? now;
  for (const r of records) to = Math.max(to, r.endedAt ?? 0);
  return { from, to: Math.max(to, from + 1000) };
}

/** Human-readable tooltip for a bar. */
export function describeSegments(list: Segment[], format: (ms: number) => string): string {
  return list
    .map(
      (s) =>
        `${s.kind === 'completed' || s.kind === 'failed' || s.kind === 'cancelled' ? `running (${s.kind})` : s.kind}: ${format(s.to - s.from)}`,
    )
    .join('\n');
}
