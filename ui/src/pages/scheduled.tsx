/** `/scheduled`: schedules with the cron in words, next run, the last 30 runs, pause/resume/delete. */
import { useEffect, useState } from 'react';
import type { ScheduledView } from '../../../src/api/ui/scheduled.js';
import type { JobBrief } from '../../../src/api/ui/shapes.js';
import { send } from '../lib/api.js';
import { formatDuration } from '../lib/format.js';
import { useLive } from '../lib/live.js';
import { Link } from '../lib/router.js';
import { useSnapshot } from '../lib/snapshot.js';
import { attempt, Confirm, Empty, ErrorNote, RelTime, StateBadge } from '../lib/ui.js';

interface Data {
  items: ScheduledView[];
  cursor?: string;
}

/** The last runs as bars: height = duration, colour = state (oldest on the left). */
function RunStrip({ runs }: { runs: JobBrief[] }) {
  const ordered = [...runs].reverse();
  const longest = Math.max(
    1,
    ...ordered.map((r) => (r.endedAt ?? r.startedAt ?? r.createdAt) - (r.startedAt ?? r.createdAt)),
  );
  return (
    <span
      className="strip"
      role="img"
      aria-label={`Last ${runs.length} runs: ${runs.filter((r) => r.state === 'FAILED').length} failed`}
    >
      {ordered.map((run) => {
        const ms = (run.endedAt ?? run.startedAt ?? run.createdAt) - (run.startedAt ?? run.createdAt);
        return (
          <Link
            key={run.id}
            to={`/jobs/${run.id}`}
            className={`bar st-bg-${run.state}`}
            style={{ height: `${20 + (ms / longest) * 80}%` }}
            title={`${run.state}, ${formatDuration(ms)}`}
            aria-label={`${run.state} run`}
          />
        );
      })}
    </span>
  );
}

export default function Scheduled() {
  const snap = useSnapshot<Data>('/ui/api/scheduled');
  const [deleting, setDeleting] = useState<ScheduledView | undefined>();
  useEffect(() => {
    document.title = 'Scheduled · Drover';
  }, []);
  // A run of a schedule changed: read the list again (it is small), at most once a second.
  const [pending, setPending] = useState(false);
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => {
      setPending(false);
      snap.reload(true);
    }, 1000);
    return () => clearTimeout(timer);
  }, [pending, snap]);
  useLive(
    { lists: ['jobs'], cursor: snap.cursor, enabled: !!snap.cursor },
    {
      job: (events) => events.some((e) => e.data.scheduleId) && setPending(true),
      reset: () => snap.reload(),
      poll: () => snap.reload(true),
    },
  );
  const act = (path: string, method: string, done: string): void =>
    attempt(() => send(method, path).then(() => snap.reload()), done);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Scheduled jobs</h1>
        <span className="spacer" />
        <Link className="button primary" to="/jobs/new">
          New schedule
        </Link>
      </div>
      <ErrorNote error={snap.error} />
      {snap.data && snap.data.items.length === 0 && (
        <Empty>No scheduled job. Write a job in the editor and choose "Schedule…".</Empty>
      )}
      {snap.data && snap.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Schedule</th>
              <th scope="col">State</th>
              <th scope="col">Next run</th>
              <th scope="col">Last runs</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {snap.data.items.map((sj) => (
              <tr key={sj.id}>
                <td>
                  <Link to={`/jobs?schedule=${sj.id}`}>{sj.name}</Link>
                </td>
                <td>
                  <code>{sj.cron}</code>
                  <div className="muted small">{sj.cronWords}</div>
                  {sj.never && <div className="error-text small">This cron never fires.</div>}
                </td>
                <td>
                  <StateBadge state={sj.state} />
                </td>
                <td>{sj.next ? <RelTime ms={sj.next} /> : <span className="muted">—</span>}</td>
                <td>
                  {sj.runs[0] && <StateBadge state={sj.runs[0].state} label={`last: ${sj.runs[0].state}`} />}
                  <RunStrip runs={sj.runs} />
                </td>
                <td className="row-actions">
                  {sj.state === 'ACTIVE' ? (
                    <button
                      type="button"
                      className="small"
                      onClick={() => act(`/scheduled-jobs/${sj.id}/pause`, 'PUT', 'Paused')}
                    >
                      Pause
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="small"
                      onClick={() => act(`/scheduled-jobs/${sj.id}/resume`, 'PUT', 'Resumed')}
                    >
                      Resume
                    </button>
                  )}
                  <button type="button" className="small danger" onClick={() => setDeleting(sj)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Confirm
        open={!!deleting}
        title={`Delete the schedule "${deleting?.name ?? ''}"?`}
        body={<p>It stops firing, and the jobs it started are deleted with it.</p>}
        confirm="Delete"
        danger
        onConfirm={() => deleting && act(`/scheduled-jobs/${deleting.id}`, 'DELETE', 'Schedule deleted')}
        onClose={() => setDeleting(undefined)}
      />
    </section>
  );
}
