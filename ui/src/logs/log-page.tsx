/** `/jobs/:id/logs?task=<id>#L<line>`: the log viewer as a full page. */
import { useEffect, useMemo, useRef } from 'react';
import type { TaskBrief } from '../../../src/api/ui/shapes.js';
import type { ViewNode } from '../../../src/api/ui/tree.js';
import type { JobDetail } from '../../../src/api/ui/jobs.js';
import { applyTaskEvents } from '../job/view-model.js';
import { useLive } from '../lib/live.js';
import { Link, setQuery, useLocation } from '../lib/router.js';
import { useSnapshot } from '../lib/snapshot.js';
import { ErrorNote, StateBadge } from '../lib/ui.js';
import { LogViewer } from './log-viewer.js';

interface View {
  job: JobDetail;
  tree: ViewNode[];
  cursor?: string;
}

/** Every task record in the tree (fan-out items excepted), for names and the task filter. */
export function recordsOf(tree: ViewNode[]): { node: ViewNode; brief: TaskBrief }[] {
  const out: { node: ViewNode; brief: TaskBrief }[] = [];
  const walk = (nodes: ViewNode[]): void => {
    for (const node of nodes) {
      for (const brief of node.attempts) out.push({ node, brief });
      if (node.children && node.kind !== 'subjob') walk(node.children);
    }
  };
  walk(tree);
  return out;
}

export function endedText(brief: TaskBrief | undefined): string | undefined {
  if (!brief) return undefined;
  if (
    brief.state === 'RUNNING' ||
    brief.state === 'SCHEDULED' ||
    brief.state === 'PENDING' ||
    brief.state === 'CREATED'
  )
    return undefined;
  const how = brief.killedBy ? `, ${brief.killedBy === 'oom' ? 'out of memory' : brief.killedBy}` : '';
  return brief.exitCode !== undefined
    ? `ended (exit ${brief.exitCode}${how})`
    : `ended (${brief.state.toLowerCase()}${how})`;
}

export default function LogPage({ params }: { params: Record<string, string> }) {
  const { query, hash } = useLocation();
  const taskId = query.get('task') ?? undefined;
  const snap = useSnapshot<View>(`/ui/api/jobs/${encodeURIComponent(params.id!)}/view`);
  // Task and job states stay live here too: the viewer stops following when its task ends.
  const seen = useRef(new Map<string, number>());
  const snapshotSeq = Number(/:(\d+)$/.exec(snap.data?.cursor ?? '')?.[1] ?? 0);
  useLive(
    { job: params.id, cursor: snap.cursor, enabled: !!snap.cursor },
    {
      task: (events) =>
        snap.setData((d) => ({ ...d, tree: applyTaskEvents(d.tree, events, snapshotSeq, seen.current) })),
      job: (events) => {
        const last = events.filter((e) => e.data.id === params.id && e.seq > snapshotSeq).pop();
        if (last) snap.setData((d) => ({ ...d, job: { ...d.job, ...last.data } }));
      },
      reset: () => {
        seen.current = new Map();
        snap.reload();
      },
      poll: () => snap.reload(true),
    },
  );
  const records = useMemo(() => (snap.data ? recordsOf(snap.data.tree) : []), [snap.data]);
  const names = useMemo(() => Object.fromEntries(records.map((r) => [r.brief.id, r.node.name])), [records]);
  const task = records.find((r) => r.brief.id === taskId)?.brief;
  const line = /^L(\d+)$/.exec(hash)?.[1];
  useEffect(() => {
    document.title = `Log · ${snap.data?.job.name ?? ''} · Drover`;
  }, [snap.data?.job.name]);
  const job = snap.data?.job;
  const active = task
    ? !endedText(task)
    : job?.state === 'RUNNING' || job?.state === 'SCHEDULED' || job?.state === 'PENDING';
  return (
    <section className="page page-full">
      <ErrorNote error={snap.error} />
      {job && (
        <>
          <div className="page-head">
            <h1>
              <Link to={`/jobs/${job.id}`}>{job.name}</Link> › log
            </h1>
            <StateBadge state={task?.state ?? job.state} />
            <label className="field inline">
              Task
              <select value={taskId ?? ''} onChange={(e) => setQuery({ task: e.target.value || undefined })}>
                <option value="">All tasks (merged)</option>
                {records.map((r) => (
                  <option key={r.brief.id} value={r.brief.id}>
                    {r.node.name}
                    {r.node.attempts.length > 1 ? ` (attempt ${r.node.attempts.indexOf(r.brief) + 1})` : ''}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <LogViewer
            key={taskId ?? 'job'}
            scope={taskId ? 'task' : 'job'}
            id={taskId ?? job.id}
            active={!!active}
            status={endedText(task)}
            taskNames={taskId ? undefined : names}
            line={line ? Number(line) : undefined}
            label={taskId ? `Log of task ${names[taskId] ?? taskId}` : `Log of job ${job.name}`}
          />
        </>
      )}
    </section>
  );
}
