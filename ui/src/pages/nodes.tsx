/** `/nodes`: coordinators and workers, heartbeat age, version badges, running tasks. */
import { useEffect } from 'react';
import type { NodeView } from '../../../src/api/ui/cluster.js';
import { formatDuration } from '../lib/format.js';
import { useLive } from '../lib/live.js';
import { Link } from '../lib/router.js';
import { useSnapshot } from '../lib/snapshot.js';
import { Empty, ErrorNote, StateBadge, useNow } from '../lib/ui.js';

interface Data {
  items: NodeView[];
  version: string;
  cursor?: string;
}

export default function Nodes() {
  const snap = useSnapshot<Data>('/ui/api/nodes');
  const now = useNow();
  useEffect(() => {
    document.title = 'Nodes · Drover';
  }, []);
  useLive(
    { lists: ['nodes'], cursor: snap.cursor, enabled: !!snap.cursor },
    {
      nodes: (items) => snap.setData((d) => ({ ...d, items: items as NodeView[] })),
      reset: () => snap.reload(),
      poll: () => snap.reload(true),
    },
  );
  return (
    <section className="page">
      <h1>Nodes</h1>
      <ErrorNote error={snap.error} />
      {snap.data && snap.data.items.length === 0 && (
        <Empty>No node has sent a heartbeat in the last 5 minutes.</Empty>
      )}
      {snap.data && snap.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Version</th>
              <th scope="col">Queue</th>
              <th scope="col">Running tasks</th>
              <th scope="col">CPU</th>
              <th scope="col">Up for</th>
            </tr>
          </thead>
          <tbody>
            {snap.data.items.map((node) => (
              <tr key={node.id}>
                <td>
                  {node.name}
                  <div className="muted small mono">
                    {node.hostname} · {node.id}
                  </div>
                </td>
                <td>{node.role}</td>
                <td>
                  <StateBadge state={node.status} />
                  <div className="muted small">
                    last heartbeat {formatDuration(Math.max(0, now - node.lastHeartbeatAt))} ago
                  </div>
                </td>
                <td>
                  <code>{node.version}</code>
                  {node.versionSkew && (
                    <span className="badge st-FAILED" title={`This server runs ${snap.data!.version}`}>
                      differs from {snap.data!.version}
                    </span>
                  )}
                </td>
                <td className="mono small">{node.queue ?? ''}</td>
                <td>
                  {node.running.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul className="plain">
                      {node.running.map((t) => (
                        <li key={t.id}>
                          <Link to={`/jobs/${t.jobId}?task=${t.id}`}>{t.name ?? t.id}</Link>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="num">
                  {node.cpuPercent !== undefined ? `${Math.round(node.cpuPercent)}%` : ''}
                </td>
                <td className="num">{formatDuration(now - node.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
