import { useEffect } from 'react';
import type { OverviewView } from '../../../src/api/ui/cluster.js';
import type { JobBrief } from '../../../src/api/ui/shapes.js';
import { useLive } from '../lib/live.js';
import { Link } from '../lib/router.js';
import { useSnapshot } from '../lib/snapshot.js';
import { Empty, ErrorNote, LiveDuration, RelTime, StateBadge } from '../lib/ui.js';

type Data = OverviewView & { cursor?: string };

const TILES: [keyof OverviewView['tiles'], string, string][] = [
  ['runningJobs', 'Running jobs', '/jobs?state=RUNNING'],
  ['runningTasks', 'Running tasks', '/jobs?state=RUNNING'],
  ['waitingTasks', 'Tasks waiting in queues', '/queues'],
  ['nodesOnline', 'Nodes online', '/nodes'],
  ['failed24h', 'Failed jobs, last 24 h', '/jobs?state=FAILED'],
];

export function upsertJobs(list: JobBrief[], events: { data: JobBrief }[], limit: number): JobBrief[] {
  const out = [...list];
  for (const { data } of events) {
    const i = out.findIndex((j) => j.id === data.id);
    if (i >= 0) out[i] = data;
    else out.unshift(data);
  }
  return out.slice(0, limit);
}

export default function Overview() {
  const snap = useSnapshot<Data>('/ui/api/overview');
  useEffect(() => {
    document.title = 'Overview · Drover';
  }, []);
  useLive(
    { lists: ['overview', 'jobs'], cursor: snap.cursor, enabled: !!snap.cursor },
    {
      overview: (view) => snap.setData((d) => ({ ...d, ...(view as OverviewView) })),
      job: (events) => snap.setData((d) => ({ ...d, recent: upsertJobs(d.recent, events, 8) })),
      reset: () => snap.reload(),
      poll: () => snap.reload(true),
    },
  );
  const data = snap.data;
  return (
    <section className="page">
      <h1>Overview</h1>
      <ErrorNote error={snap.error} />
      {data && (
        <>
          <div className="tiles">
            {TILES.map(([key, label, to]) => (
              <Link
                key={key}
                to={to}
                className={`tile${key === 'failed24h' && data.tiles[key] > 0 ? ' tile-bad' : ''}`}
              >
                <span className="tile-value num">{data.tiles[key]}</span>
                <span className="tile-label">{label}</span>
              </Link>
            ))}
          </div>
          <h2>Needs attention</h2>
          {data.attention.length === 0 ? (
            <Empty>
              Nothing needs attention: no failures in the last 24 h, no stuck tasks, every node up.
            </Empty>
          ) : (
            <ul className="attention">
              {data.attention.map((item, i) => (
                <li key={i} className={`attention-${item.kind}`}>
                  <Link to={item.link}>{item.title}</Link>
                  {item.detail && <span className="muted"> — {item.detail}</span>}
                </li>
              ))}
            </ul>
          )}
          <h2>Recent jobs</h2>
          {data.recent.length === 0 ? (
            <Empty>
              No jobs yet. <Link to="/jobs/new">Write your first job</Link>.
            </Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {data.recent.map((job) => (
                  <tr key={job.id}>
                    <td>
                      <StateBadge state={job.state} />
                    </td>
                    <td>
                      <Link to={`/jobs/${job.id}`}>{job.name || job.id}</Link>
                    </td>
                    <td>
                      <RelTime ms={job.createdAt} />
                    </td>
                    <td>
                      <LiveDuration
                        start={job.startedAt}
                        end={job.endedAt ?? (job.state === 'RUNNING' ? undefined : job.startedAt)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
