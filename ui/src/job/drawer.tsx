/** The task drawer (`?task=<id>`): details, why it is not running, its live log. */
import { useEffect, useRef, useState } from 'react';
import type { TaskBrief } from '../../../src/api/ui/shapes.js';
import { useKeys } from '../lib/keys.js';
import { Link, setQuery } from '../lib/router.js';
import { useSnapshot } from '../lib/snapshot.js';
import { AbsTime, attempt, ErrorNote, LiveDuration, StateBadge } from '../lib/ui.js';
import { endedText } from '../logs/log-page.js';
import { LogViewer } from '../logs/log-viewer.js';
import { copyReproduce } from './header.js';
import type { TaskWire } from './reproduce.js';

interface Detail {
  brief: TaskBrief;
  task: TaskWire & {
    timeout?: string;
    var?: string;
    result?: string;
    retry?: { limit: number };
    sidecars?: unknown[];
    pre?: unknown[];
    post?: unknown[];
    queue?: string;
  };
  why: string[];
  cursor?: string;
}

export function TaskDrawer(props: {
  jobId: string;
  taskId: string;
  live?: TaskBrief;
  attempts: TaskBrief[];
  tab: string;
  onClose: () => void;
}) {
  const { taskId } = props;
  const snap = useSnapshot<Detail>(`/ui/api/tasks/${encodeURIComponent(taskId)}`);
  const brief = props.live ?? snap.data?.brief;
  const ref = useRef<HTMLElement>(null);
  const [wide, setWide] = useState(false);
  useKeys({ Escape: props.onClose });
  useEffect(() => ref.current?.focus(), [taskId]);
  // Re-read the details when the state changes (exit code, error, node arrive with it).
  const { reload } = snap;
  useEffect(() => reload(), [brief?.state, reload]);
  const task = snap.data?.task;
  const tab = props.tab === 'logs' ? 'logs' : 'details';
  const ended = endedText(brief);
  return (
    <aside className={`drawer${wide ? ' wide' : ''}`} aria-labelledby="drawer-title" ref={ref} tabIndex={-1}>
      <div className="drawer-head">
        <h2 id="drawer-title">{brief?.name ?? task?.name ?? 'Task'}</h2>
        {brief && <StateBadge state={brief.state} />}
        <span className="spacer" />
        <button type="button" className="small" onClick={() => setWide(!wide)} aria-pressed={wide}>
          {wide ? 'Narrow' : 'Enlarge'}
        </button>
        <button type="button" className="small" onClick={props.onClose} aria-label="Close the task panel">
          ✕
        </button>
      </div>
      {props.attempts.length > 1 && (
        <label className="field inline small">
          Attempt
          <select value={taskId} onChange={(e) => setQuery({ task: e.target.value })}>
            {props.attempts.map((a, i) => (
              <option key={a.id} value={a.id}>
                {i + 1}: {a.state}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="tabs" role="tablist" aria-label="Task">
        {(['details', 'logs'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => setQuery({ tab: t === 'details' ? undefined : t })}
          >
            {t === 'details' ? 'Details' : 'Logs'}
          </button>
        ))}
      </div>
      <ErrorNote error={snap.error} />
      {tab === 'logs' ? (
        <LogViewer
          scope="task"
          id={taskId}
          active={!ended}
          status={ended}
          label={`Log of ${brief?.name ?? 'the task'}`}
        />
      ) : (
        <div className="drawer-body">
          {snap.data?.why.map((w) => (
            <p key={w} className="why" role="note">
              Why not running: {w}
            </p>
          ))}
          {brief && (
            <dl className="facts">
              <Fact
                name="Created"
                value={brief.createdAt !== undefined && <AbsTime ms={brief.createdAt} />}
              />
              <Fact
                name="Scheduled"
                value={brief.scheduledAt !== undefined && <AbsTime ms={brief.scheduledAt} />}
              />
              <Fact
                name="Started"
                value={brief.startedAt !== undefined && <AbsTime ms={brief.startedAt} />}
              />
              <Fact name="Ended" value={brief.endedAt !== undefined && <AbsTime ms={brief.endedAt} />} />
              <Fact
                name="Ran for"
                value={
                  brief.startedAt ? <LiveDuration start={brief.startedAt} end={brief.endedAt} /> : undefined
                }
              />
              <Fact name="Node" value={brief.nodeId && <Link to="/nodes">{brief.nodeId}</Link>} />
              <Fact name="Queue" value={brief.queue && <Link to="/queues">{brief.queue}</Link>} />
              <Fact
                name="Runtime"
                value={task ? (task.image ? `container ${task.image}` : 'shell') : undefined}
              />
              <Fact name="Exit code" value={brief.exitCode} />
              <Fact name="Stopped by" value={brief.killedBy} />
              <Fact
                name="Attempt"
                value={brief.retryLimit ? `${brief.attempt + 1} of ${brief.retryLimit + 1}` : undefined}
              />
              <Fact name="Progress" value={brief.progress ? `${brief.progress}%` : undefined} />
              <Fact name="Timeout" value={task?.timeout} />
              <Fact
                name="Limits"
                value={
                  task?.limits &&
                  [
                    task.limits.cpus && `cpus ${task.limits.cpus}`,
                    task.limits.memory && `memory ${task.limits.memory}`,
                  ]
                    .filter(Boolean)
                    .join(', ')
                }
              />
              <Fact name="Output var" value={task?.var} />
              <Fact name="Result" value={task?.result && <code>{task.result}</code>} />
              <Fact
                name="Pre / post / sidecars"
                value={
                  task && (task.pre?.length || task.post?.length || task.sidecars?.length)
                    ? `${task.pre?.length ?? 0} / ${task.post?.length ?? 0} / ${task.sidecars?.length ?? 0}`
                    : undefined
                }
              />
            </dl>
          )}
          {brief?.error && (
            <>
              <h3>Error</h3>
              <pre className="code error-text">{brief.error}</pre>
            </>
          )}
          {task?.run && (
            <>
              <h3>Script</h3>
              <pre className="code">{task.run}</pre>
            </>
          )}
          {task?.env && Object.keys(task.env).length > 0 && (
            <>
              <h3>Environment</h3>
              <table className="table small">
                <tbody>
                  {Object.entries(task.env).map(([k, v]) => (
                    <tr key={k}>
                      <th scope="row">
                        <code>{k}</code>
                      </th>
                      <td>
                        {v.includes('[REDACTED]') ? (
                          <span className="secret">•••• set</span>
                        ) : (
                          <code>{v}</code>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {task?.mounts && task.mounts.length > 0 && (
            <>
              <h3>Mounts</h3>
              <ul>
                {task.mounts.map((m, i) => (
                  <li key={i}>
                    <code>{`${m.type} ${m.source ?? ''} → ${m.target ?? ''}`}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
          <div className="actions">
            <button type="button" onClick={() => attempt(() => copyReproduce(taskId))}>
              Copy reproduce command
            </button>
            <Link className="button" to={`/jobs/${props.jobId}/logs?task=${taskId}`}>
              Open the log full page
            </Link>
          </div>
        </div>
      )}
    </aside>
  );
}

function Fact({ name, value }: { name: string; value: React.ReactNode }) {
  if (value === undefined || value === null || value === '' || value === false) return null;
  return (
    <div>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </div>
  );
}
