/**
 * The Structure view (UI.md §2.3): sequences left to right, parallel blocks as lanes, every
 * `each` (and any parallel of more than 12) as one card with counts, tasks not started yet in
 * a dashed "pending" style. Also the editor's preview, with no records at all.
 */
import type { ViewNode } from '../../../src/api/ui/tree.js';
import { Link } from '../lib/router.js';
import { LiveDuration, ProgressBar, StateIcon } from '../lib/ui.js';
import { ItemsTable } from './items.js';
import { countStates, latest, nodeState } from './view-model.js';

export interface StructureProps {
  tree: ViewNode[];
  why?: Record<string, string[]>;
  /** Open a task record in the drawer. */
  onSelect?: (taskId: string) => void;
  expanded?: Set<string>;
  onToggle?: (key: string) => void;
  /** The job can still change (item tables refresh). */
  active?: boolean;
  label: string;
}

const COUNT_ORDER: [string, string][] = [
  ['COMPLETED', 'completed'],
  ['FAILED', 'failed'],
  ['RUNNING', 'running'],
  ['SCHEDULED', 'queued'],
  ['PENDING', 'pending'],
  ['CREATED', 'waiting'],
  ['CANCELLED', 'cancelled'],
  ['SKIPPED', 'skipped'],
];

function Badges({ node }: { node: ViewNode }) {
  const d = node.def;
  const list: string[] = [];
  if (d.pre) list.push(`pre ×${d.pre}`);
  if (d.post) list.push(`post ×${d.post}`);
  if (d.sidecars) list.push(`sidecars ×${d.sidecars}`);
  if (d.queue) list.push(`queue ${d.queue}`);
  if (d.image) list.push(d.image);
  if (d.var) list.push(`var ${d.var}`);
  if (list.length === 0 && !d.if) return null;
  return (
    <span className="card-badges">
      {d.if && <span className="mini">if</span>}
      {list.map((b) => (
        <span key={b} className="mini">
          {b}
        </span>
      ))}
    </span>
  );
}

function Card({ node, props }: { node: ViewNode; props: StructureProps }) {
  const last = latest(node);
  const state = nodeState(node);
  const pending = !last;
  const reasons = last ? props.why?.[last.id] : undefined;
  const attempts = node.attempts.length;
  const retry = last?.retryLimit
    ? ` · attempt ${(last.attempt ?? 0) + 1}/${last.retryLimit + 1}`
    : attempts > 1
      ? ` · run ${attempts}`
      : '';
  const content = (
    <>
      <span className={`card-state st-${state}`}>
        <StateIcon state={state} /> {pending ? 'not started' : state}
      </span>
      <span className="card-name">{node.name}</span>
      <span className="card-meta">
        {last?.startedAt !== undefined && (
          <LiveDuration
            start={last.startedAt}
            end={last.endedAt ?? (state === 'RUNNING' ? undefined : last.startedAt)}
          />
        )}
        {retry}
      </span>
      {state === 'SKIPPED' && node.def.if && <span className="card-why">skipped: if {node.def.if}</span>}
      <Badges node={node} />
      {reasons?.map((r) => (
        <span key={r} className="card-why">
          {r}
        </span>
      ))}
    </>
  );
  if (!last || !props.onSelect)
    return <div className={`card${pending ? ' pending' : ''} st-border-${state}`}>{content}</div>;
  return (
    <button type="button" className={`card st-border-${state}`} onClick={() => props.onSelect?.(last.id)}>
      {content}
    </button>
  );
}

function FanoutCard({ node, props }: { node: ViewNode; props: StructureProps }) {
  const fan = node.fanout!;
  const counts = countStates(fan.states);
  const running = (counts.RUNNING ?? 0) + (counts.SCHEDULED ?? 0);
  const done =
    (counts.COMPLETED ?? 0) + (counts.FAILED ?? 0) + (counts.SKIPPED ?? 0) + (counts.CANCELLED ?? 0);
  const open = props.expanded?.has(node.key) ?? false;
  const state = nodeState(node);
  const last = latest(node);
  return (
    <div className={`card fanout st-border-${state}${last ? '' : ' pending'}`}>
      <span className={`card-state st-${state}`}>
        <StateIcon state={state} /> {last ? state : 'not started'}
      </span>
      <span className="card-name">
        {node.name}{' '}
        <span className="muted small">
          {node.kind === 'each' ? `each over ${node.def.detail ?? ''}` : 'parallel'}
        </span>
      </span>
      <span
        className="counts"
        aria-label={COUNT_ORDER.filter(([s]) => counts[s])
          .map(([s, w]) => `${counts[s]} ${w}`)
          .join(', ')}
      >
        {COUNT_ORDER.filter(([s]) => counts[s]).map(([s, word]) => (
          <span key={s} className={`count st-${s}`} title={word}>
            <StateIcon state={s} size={12} /> <span className="num">{counts[s]}</span>
          </span>
        ))}
      </span>
      <ProgressBar
        value={fan.total ? (done / fan.total) * 100 : 0}
        label={`${node.name}: ${done} of ${fan.total} done`}
      />
      <span className="card-meta fan-running">
        {running} running{fan.concurrency ? ` / concurrency ${fan.concurrency}` : ''} · {done}/{fan.total}{' '}
        done
      </span>
      {fan.parentId && (
        <span className="card-actions">
          {props.onSelect && (
            <button type="button" className="small" onClick={() => props.onSelect?.(fan.parentId!)}>
              Details
            </button>
          )}
          <button
            type="button"
            className="small"
            aria-expanded={open}
            onClick={() => props.onToggle?.(node.key)}
          >
            {open ? 'Hide items' : `Show ${fan.total} items`}
          </button>
        </span>
      )}
      {open && fan.parentId && (
        <ItemsTable
          parentId={fan.parentId}
          letters={fan.states}
          active={!!props.active}
          onSelect={(id) => props.onSelect?.(id)}
          label={`Items of ${node.name}`}
        />
      )}
    </div>
  );
}

function NodeView({ node, props }: { node: ViewNode; props: StructureProps }) {
  if (node.fanout) return <FanoutCard node={node} props={props} />;
  if (node.kind === 'parallel' && node.children) {
    return (
      <div className="par">
        <Card node={node} props={props} />
        <ol className="lanes" aria-label={`${node.name}: runs at once`}>
          {node.children.map((child) => (
            <li key={child.key}>
              <NodeView node={child} props={props} />
            </li>
          ))}
        </ol>
      </div>
    );
  }
  if (node.kind === 'subjob') {
    const sub = latest(node)?.subjobId;
    return (
      <div className="subjob">
        <Card node={node} props={props} />
        <span className="small">
          {sub ? (
            <Link to={`/jobs/${sub}`}>open sub-job ›</Link>
          ) : (
            <span className="muted">
              sub-job "{node.def.detail}": {node.children?.map((c) => c.name).join(' → ')}
            </span>
          )}
        </span>
      </div>
    );
  }
  return <Card node={node} props={props} />;
}

export function Structure(props: StructureProps) {
  return (
    <ol className="seq" aria-label={props.label}>
      {props.tree.map((node) => (
        <li key={node.key}>
          <NodeView node={node} props={props} />
        </li>
      ))}
    </ol>
  );
}
