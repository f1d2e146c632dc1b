/** `/queues`: waiting, subscribers, unacked, and a warning when tasks wait and nobody listens. */
import { useEffect, useState } from 'react';
import type { QueueView } from '../../../src/api/ui/cluster.js';
import { send } from '../lib/api.js';
import { formatDuration } from '../lib/format.js';
import { useLive } from '../lib/live.js';
import { Link } from '../lib/router.js';
import { useSnapshot } from '../lib/snapshot.js';
import { attempt, Confirm, ErrorNote } from '../lib/ui.js';

interface Data {
  items: QueueView[];
  cursor?: string;
}

export default function Queues() {
  const snap = useSnapshot<Data>('/ui/api/queues');
  const [deleting, setDeleting] = useState<string | undefined>();
  const [internal, setInternal] = useState(false);
  useEffect(() => {
    document.title = 'Queues · Drover';
  }, []);
  useLive(
    { lists: ['queues'], cursor: snap.cursor, enabled: !!snap.cursor },
    {
      queues: (items) => snap.setData((d) => ({ ...d, items: items as QueueView[] })),
      reset: () => snap.reload(),
      poll: () => snap.reload(true),
    },
  );
  const items = (snap.data?.items ?? []).filter((q) => internal || !q.internal);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Queues</h1>
        <span className="spacer" />
        <label className="check">
          <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} /> Show
          internal queues
        </label>
      </div>
      <ErrorNote error={snap.error} />
      {items.some((q) => q.warning) && (
        <div role="alert">
          <ul className="warnings">
            {items
              .filter((q) => q.warning)
              .map((q) => (
                <li key={q.name}>
                  Queue <b>{q.name}</b>: {q.warning}
                </li>
              ))}
          </ul>
        </div>
      )}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Waiting</th>
            <th scope="col">Subscribers</th>
            <th scope="col">Unacked</th>
            <th scope="col">Oldest waiting</th>
            <th scope="col">Waiting tasks</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((q) => (
            <tr key={q.name} className={q.warning ? 'warn-row' : undefined}>
              <td>
                <code>{q.name}</code> {q.internal && <span className="muted small">internal</span>}
              </td>
              <td className="num">{q.size}</td>
              <td className="num">
                {q.subscribers}
                {q.subscribers === 0 && !q.internal && (
                  <span className="muted small"> (0 workers subscribe)</span>
                )}
              </td>
              <td className="num">{q.unacked}</td>
              <td className="num">
                {q.oldestWaitingMs !== undefined ? formatDuration(q.oldestWaitingMs) : ''}
              </td>
              <td>
                <ul className="plain">
                  {q.waiting.map((t) => (
                    <li key={t.id}>
                      <Link to={`/jobs/${t.jobId}?task=${t.id}`}>{t.name ?? t.id}</Link>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {!q.internal && (
                  <button type="button" className="small danger" onClick={() => setDeleting(q.name)}>
                    Purge
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Confirm
        open={!!deleting}
        title={`Purge the queue "${deleting ?? ''}"?`}
        body={<p>Every message waiting in it is dropped; the tasks they carry will not run.</p>}
        confirm="Purge"
        danger
        typeToConfirm={deleting}
        onConfirm={() =>
          deleting &&
          attempt(
            () => send('DELETE', `/queues/${encodeURIComponent(deleting)}`).then(() => snap.reload()),
            'Queue purged',
          )
        }
        onClose={() => setDeleting(undefined)}
      />
    </section>
  );
}
