/** `/jobs`: filters in the URL, live rows, new jobs behind a pill, row and bulk actions. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { JobBrief } from '../../../src/api/ui/shapes.js';
import { cancelJob, EXPLAIN, restartJob, runAgain } from '../lib/actions.js';
import { getJson } from '../lib/api.js';
import { rowKeys, useKeys } from '../lib/keys.js';
import { useLive, type Sequenced } from '../lib/live.js';
import { Link, navigate, setQuery, useLocation } from '../lib/router.js';
import { useSettings } from '../lib/settings.js';
import { attempt, Empty, ErrorNote, LiveDuration, ProgressBar, RelTime, StateBadge } from '../lib/ui.js';

const STATES = ['PENDING', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const RANGES: [string, string, number][] = [
  ['', 'Any time', 0],
  ['1h', 'Last hour', 3600e3],
  ['24h', 'Last 24 h', 86400e3],
  ['7d', 'Last 7 days', 7 * 86400e3],
  ['30d', 'Last 30 days', 30 * 86400e3],
];

interface Page {
  items: JobBrief[];
  next?: string;
  cursor?: string;
}

/** Progress of a job: its own `progress`, else the share of top-level tasks passed. */
export function jobProgress(job: JobBrief): number {
  if (job.progress) return job.progress;
  if (job.state === 'COMPLETED') return 100;
  return job.taskCount ? (Math.max(job.position - 1, 0) / job.taskCount) * 100 : 0;
}

function Origin({ job }: { job: JobBrief }) {
  if (job.scheduleId) return <Link to={`/jobs?schedule=${job.scheduleId}`}>from schedule</Link>;
  if (job.parentId)
    return (
      <span className="muted" title={`started by task ${job.parentId}`}>
        sub-job
      </span>
    );
  return null;
}

function RowActions({ job }: { job: JobBrief }) {
  return (
    <span className="row-actions">
      {(job.state === 'RUNNING' || job.state === 'SCHEDULED') && (
        <button
          type="button"
          className="small"
          title={EXPLAIN.cancel}
          onClick={() => attempt(() => cancelJob(job.id), 'Cancel requested')}
        >
          Cancel
        </button>
      )}
      {(job.state === 'FAILED' || job.state === 'CANCELLED') && (
        <button
          type="button"
          className="small"
          title={EXPLAIN.restart}
          onClick={() => attempt(() => restartJob(job.id), 'Restart requested')}
        >
          Restart
        </button>
      )}
      <button
        type="button"
        className="small"
        title={EXPLAIN.runAgain}
        onClick={() => attempt(() => runAgain(job.id))}
      >
        Run again
      </button>
    </span>
  );
}

export default function Jobs() {
  const { query } = useLocation();
  const { pageSize } = useSettings();
  const states = (query.get('state') ?? '').split(',').filter(Boolean);
  const q = query.get('q') ?? '';
  const tag = query.get('tag') ?? '';
  const range = query.get('range') ?? '';
  const schedule = query.get('schedule') ?? '';
  const url = useMemo(() => {
    const p = new URLSearchParams();
    if (states.length) p.set('state', states.join(','));
    if (q) p.set('q', q);
    if (tag) p.set('tag', tag);
    if (schedule) p.set('schedule', schedule);
    const span = RANGES.find(([key]) => key === range)?.[2];
    if (span) p.set('since', String(Date.now() - span));
    p.set('limit', String(pageSize));
    return `/ui/api/jobs?${p.toString()}`;
  }, [states.join(','), q, tag, range, schedule, pageSize]);

  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<unknown>();
  const fresh = useRef(new Set<string>());
  const [freshCount, setFreshCount] = useState(0);
  const [selected, setSelected] = useState(-1);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [versions] = useState(() => new Map<string, number>());

  const load = (revalidate = false): void => {
    getJson<Page>(url, { revalidate }).then((p) => {
      setPage(p);
      fresh.current.clear();
      setFreshCount(0);
      setError(undefined);
    }, setError);
  };
  useEffect(() => {
    setPage(undefined);
    load();
    document.title = 'Jobs · Drover';
  }, [url]);

  const onJobs = (events: Sequenced<JobBrief>[]): void => {
    setPage((p) => {
      if (!p) return p;
      const items = [...p.items];
      const newest = items[0]?.createdAt ?? 0;
      for (const { seq, data } of events) {
        const known = versions.has(data.id);
        if ((versions.get(data.id) ?? 0) > seq) continue;
        versions.set(data.id, seq);
        const i = items.findIndex((j) => j.id === data.id);
        if (i >= 0) items[i] = data;
        // A job newer than the list: counted behind the pill, never pushed under the pointer.
        else if (!known && data.createdAt > newest && (!states.length || states.includes(data.state)))
          fresh.current.add(data.id);
      }
      return { ...p, items };
    });
  };
  // The updater above runs when React renders, which may be after `onJobs` returned: the count
  // is read once it has run. (Read right after `setPage`, it missed the jobs of a batch whenever
  // React deferred the updater, and a new job whose events all came in one batch got no pill.)
  useEffect(() => setFreshCount(fresh.current.size), [page]);
  useLive(
    { lists: ['jobs'], cursor: page?.cursor, enabled: !!page },
    { job: onJobs, reset: () => load(), poll: () => load(true) },
  );

  const items = page?.items ?? [];
  useKeys(rowKeys(items.length, selected, setSelected, (i) => navigate(`/jobs/${items[i]!.id}`)));
  const toggleState = (state: string): void => {
    const next = states.includes(state) ? states.filter((s) => s !== state) : [...states, state];
    setQuery({ state: next.join(',') || undefined });
  };
  const loadMore = (): void => {
    if (!page?.next) return;
    getJson<Page>(`${url}&cursor=${encodeURIComponent(page.next)}`).then(
      (more) => setPage((p) => p && { ...more, items: [...p.items, ...more.items], cursor: p.cursor }),
      setError,
    );
  };
  const bulk = (action: (id: string) => Promise<unknown>, done: string): void => {
    const ids = [...checked];
    attempt(() => Promise.all(ids.map(action)), `${done} (${ids.length})`);
    setChecked(new Set());
  };

  return (
    <section className="page">
      <h1>Jobs</h1>
      <div className="filters" role="group" aria-label="Filters">
        <div className="chips" role="group" aria-label="State">
          {STATES.map((state) => (
            <button
              key={state}
              type="button"
              className={`chip st-${state}`}
              aria-pressed={states.includes(state)}
              onClick={() => toggleState(state)}
            >
              {state}
            </button>
          ))}
        </div>
        <label className="field inline">
          Text
          <input
            type="search"
            defaultValue={q}
            key={`q${q}`}
            onKeyDown={(e) => e.key === 'Enter' && setQuery({ q: e.currentTarget.value.trim() || undefined })}
            onBlur={(e) => e.target.value.trim() !== q && setQuery({ q: e.target.value.trim() || undefined })}
          />
        </label>
        <label className="field inline">
          Tag
          <input
            type="search"
            defaultValue={tag}
            key={`t${tag}`}
            onKeyDown={(e) =>
              e.key === 'Enter' && setQuery({ tag: e.currentTarget.value.trim() || undefined })
            }
            onBlur={(e) =>
              e.target.value.trim() !== tag && setQuery({ tag: e.target.value.trim() || undefined })
            }
          />
        </label>
        <label className="field inline">
          Created
          <select value={range} onChange={(e) => setQuery({ range: e.target.value || undefined })}>
            {RANGES.map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {schedule && (
          <button
            type="button"
            className="chip"
            aria-pressed="true"
            onClick={() => setQuery({ schedule: undefined })}
          >
            From one schedule ✕
          </button>
        )}
      </div>
      {freshCount > 0 && (
        <button type="button" className="pill" onClick={() => load()}>
          {freshCount} new job{freshCount === 1 ? '' : 's'}
        </button>
      )}
      {checked.size > 0 && (
        <div className="bulk" role="group" aria-label="Selected jobs">
          {checked.size} selected
          <button
            type="button"
            className="small"
            title={EXPLAIN.cancel}
            onClick={() => bulk(cancelJob, 'Cancel requested')}
          >
            Cancel selected
          </button>
          <button
            type="button"
            className="small"
            title={EXPLAIN.restart}
            onClick={() => bulk(restartJob, 'Restart requested')}
          >
            Restart selected
          </button>
        </div>
      )}
      <ErrorNote error={error} />
      {page && items.length === 0 && <Empty>No job matches these filters.</Empty>}
      {items.length > 0 && (
        <table className="table jobs-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Select</span>
              </th>
              <th scope="col">State</th>
              <th scope="col">Name</th>
              <th scope="col">Tags</th>
              <th scope="col">Created</th>
              <th scope="col">Duration</th>
              <th scope="col">Progress</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((job, i) => (
              <tr
                key={job.id}
                className={i === selected ? 'selected' : undefined}
                aria-selected={i === selected}
              >
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${job.name}`}
                    checked={checked.has(job.id)}
                    onChange={(e) => {
                      const next = new Set(checked);
                      if (e.target.checked) next.add(job.id);
                      else next.delete(job.id);
                      setChecked(next);
                    }}
                  />
                </td>
                <td>
                  <StateBadge state={job.state} />
                </td>
                <td className="name-cell">
                  <Link to={`/jobs/${job.id}`}>{job.name || job.id}</Link> <Origin job={job} />
                  {job.state === 'FAILED' && job.error && (
                    <div className="first-error">{job.error.split('\n')[0]}</div>
                  )}
                </td>
                <td>
                  {job.tags?.map((t) => (
                    <Link key={t} className="tag" to={`/jobs?tag=${encodeURIComponent(t)}`}>
                      {t}
                    </Link>
                  ))}
                </td>
                <td>
                  <RelTime ms={job.createdAt} />
                </td>
                <td>
                  {job.startedAt !== undefined && (
                    <LiveDuration
                      start={job.startedAt}
                      end={
                        job.endedAt ??
                        (job.state === 'RUNNING' || job.state === 'SCHEDULED' ? undefined : job.startedAt)
                      }
                    />
                  )}
                </td>
                <td>
                  <ProgressBar value={jobProgress(job)} label={`Progress of ${job.name}`} />
                  <span className="muted small num">
                    {Math.min(Math.max(job.position - 1, 0), job.taskCount)}/{job.taskCount}
                  </span>
                </td>
                <td>
                  <RowActions job={job} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page?.next && (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
