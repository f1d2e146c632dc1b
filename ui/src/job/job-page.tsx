/**
 * `/jobs/:id`: the job run page. One snapshot (`/ui/api/jobs/:id/view`) plus live events from
 * the tab's stream; three views of the same run (`?view=structure|timeline|logs`) and a task
 * drawer (`?task=`), all in the URL.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Failure, JobDetail } from '../../../src/api/ui/jobs.js';
import type { JobBrief, TaskBrief } from '../../../src/api/ui/shapes.js';
import type { ViewNode } from '../../../src/api/ui/tree.js';
import { getJson } from '../lib/api.js';
import { useKeys } from '../lib/keys.js';
import { useLive, type Sequenced } from '../lib/live.js';
import { setQuery, useLocation } from '../lib/router.js';
import { ErrorNote } from '../lib/ui.js';
import { LogViewer } from '../logs/log-viewer.js';
import { TaskDrawer } from './drawer.js';
import { FailureBanner, JobHeader, type ParentRef } from './header.js';
import { Structure } from './structure.js';
import { Timeline } from './timeline.js';
import { applyTaskEvents, recordIndex } from './view-model.js';

interface View {
  job: JobDetail;
  tree: ViewNode[];
  failure?: Failure;
  why?: Record<string, string[]>;
  parent?: ParentRef;
  cursor: string;
}

const VIEWS = ['structure', 'timeline', 'logs'] as const;
const seqOf = (cursor: string | undefined): number => Number(/:(\d+)$/.exec(cursor ?? '')?.[1] ?? 0);

function useExpanded(jobId: string): [Set<string>, (key: string) => void] {
  const storageKey = `drover.expanded.${jobId}`;
  const [set, setSet] = useState<Set<string>>(
    () => new Set(JSON.parse(sessionStorage.getItem(storageKey) ?? '[]') as string[]),
  );
  const toggle = useCallback(
    (key: string) =>
      setSet((s) => {
        const next = new Set(s);
        if (next.has(key)) next.delete(key);
        else next.add(key);
        sessionStorage.setItem(storageKey, JSON.stringify([...next]));
        return next;
      }),
    [storageKey],
  );
  return [set, toggle];
}

export default function JobPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { query } = useLocation();
  const view = (VIEWS as readonly string[]).includes(query.get('view') ?? '')
    ? query.get('view')!
    : 'structure';
  const taskId = query.get('task') ?? undefined;
  const [data, setData] = useState<View | undefined>();
  const [error, setError] = useState<unknown>();
  const [expanded, toggle] = useExpanded(id);
  const seen = useRef(new Map<string, number>());
  /** Events since the last snapshot request: re-applied when it arrives, so none is lost. */
  const recent = useRef<Sequenced<TaskBrief>[]>([]);
  /** The newest event of this job since the last snapshot request: the snapshot may be older. */
  const recentJob = useRef<Sequenced<JobBrief> | undefined>(undefined);
  const jobSeq = useRef(0);

  const load = useCallback(
    (revalidate = false) => {
      recent.current = [];
      recentJob.current = undefined;
      getJson<View>(`/ui/api/jobs/${encodeURIComponent(id)}/view`, { revalidate }).then((v) => {
        seen.current = new Map();
        const snapshotSeq = seqOf(v.cursor);
        // A job event that came while the snapshot was on its way may be newer than it (a
        // restarted job that completed meanwhile): it wins, or the page would stay behind.
        const later = recentJob.current && recentJob.current.seq > snapshotSeq ? recentJob.current : undefined;
        jobSeq.current = later ? later.seq : snapshotSeq;
        const job = later ? { ...v.job, ...later.data } : v.job;
        setData({ ...v, job, tree: applyTaskEvents(v.tree, recent.current, snapshotSeq, seen.current) });
        setError(undefined);
      }, setError);
    },
    [id],
  );
  useEffect(() => {
    setData(undefined);
    load();
  }, [load]);
  useEffect(() => {
    if (data) document.title = `${data.job.name} · ${data.job.state} · Drover`;
  }, [data?.job.name, data?.job.state]);

  const [cursor, setCursor] = useState<string | undefined>();
  useEffect(() => setCursor(undefined), [id]);
  useEffect(() => {
    if (data && !cursor) setCursor(data.cursor);
  }, [data, cursor]);
  const onTasks = (events: Sequenced<TaskBrief>[]): void => {
    recent.current.push(...events);
    if (recent.current.length > 5000) recent.current.splice(0, recent.current.length - 5000);
    setData((d) => d && { ...d, tree: applyTaskEvents(d.tree, events, seqOf(d.cursor), seen.current) });
  };
  const onJobs = (events: Sequenced<JobBrief>[]): void => {
    let changed: JobBrief | undefined;
    for (const e of events) {
      if (e.data.id !== id) continue;
      if (!recentJob.current || e.seq > recentJob.current.seq) recentJob.current = e;
      if (e.seq > jobSeq.current) {
        jobSeq.current = e.seq;
        changed = e.data;
      }
    }
    if (!changed) return;
    const before = data?.job.state;
    setData((d) => d && { ...d, job: { ...d.job, ...changed } });
    // A new end state brings a failure banner (or removes it): read the snapshot once.
    if (changed.state !== before && (changed.state === 'FAILED' || before === 'FAILED')) load();
  };
  useLive(
    { job: id, cursor, enabled: !!cursor },
    { task: onTasks, job: onJobs, reset: () => load(), poll: () => load(true) },
  );

  useKeys({
    'g s': () => setQuery({ view: undefined }),
    'g t': () => setQuery({ view: 'timeline' }),
    'g l': () => setQuery({ view: 'logs' }),
  });

  const index = useMemo(
    () => (data ? recordIndex(data.tree) : new Map<string, { node: ViewNode; brief: TaskBrief }>()),
    [data?.tree],
  );
  const names = useMemo(() => Object.fromEntries([...index].map(([tid, r]) => [tid, r.node.name])), [index]);
  const select = useCallback(
    (tid: string) => setQuery({ task: tid, tab: undefined }, { replace: false }),
    [],
  );
  if (error && !data) return <ErrorNote error={error} />;
  if (!data) return <p className="loading">Loading…</p>;
  const { job } = data;
  const active = job.state === 'RUNNING' || job.state === 'SCHEDULED' || job.state === 'PENDING';
  const open = taskId ? index.get(taskId) : undefined;

  return (
    <section className={`page job-page${taskId ? ' with-drawer' : ''}`}>
      <JobHeader job={job} parent={data.parent} />
      {data.failure && job.state === 'FAILED' && <FailureBanner jobId={job.id} failure={data.failure} />}
      <div className="tabs" role="tablist" aria-label="Views of this run">
        {VIEWS.map((v) => (
          <button
            key={v}
            type="button"
            role="tab"
            aria-selected={view === v}
            onClick={() => setQuery({ view: v === 'structure' ? undefined : v })}
          >
            {v[0]!.toUpperCase() + v.slice(1)}
          </button>
        ))}
      </div>
      <div className="view" role="tabpanel" aria-label={view}>
        {view === 'structure' && (
          <Structure
            tree={data.tree}
            why={data.why}
            onSelect={select}
            expanded={expanded}
            onToggle={toggle}
            active={active}
            label={`Structure of ${job.name}`}
          />
        )}
        {view === 'timeline' && <Timeline job={job} tree={data.tree} onSelect={select} />}
        {view === 'logs' &&
          (taskId ? (
            <p className="muted">
              The task panel shows this task's log. Close it to see the whole job's log.
            </p>
          ) : (
            <LogViewer
              scope="job"
              id={job.id}
              active={active}
              taskNames={names}
              label={`Log of job ${job.name}`}
            />
          ))}
      </div>
      {taskId && (
        <TaskDrawer
          key={taskId}
          jobId={job.id}
          taskId={taskId}
          live={open?.brief}
          attempts={open?.node.attempts ?? []}
          tab={query.get('tab') ?? 'details'}
          onClose={() => setQuery({ task: undefined, tab: undefined })}
        />
      )}
    </section>
  );
}
