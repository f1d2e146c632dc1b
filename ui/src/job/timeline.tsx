/**
 * The Timeline view: one virtual row per task record, grouped like Structure, each bar in
 * three segments (waiting / queued / running), a moving "now" line, zoom on the time axis only
 * (buttons or Ctrl+wheel), and the longest path highlighted on request.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type WheelEvent } from 'react';
import type { JobDetail } from '../../../src/api/ui/jobs.js';
import type { TaskBrief } from '../../../src/api/ui/shapes.js';
import type { ViewNode } from '../../../src/api/ui/tree.js';
import { getJson } from '../lib/api.js';
import { formatDuration } from '../lib/format.js';
import { StateIcon, useNow } from '../lib/ui.js';
import { axisSpan, describeSegments, segments } from './timeline-math.js';
import { latest } from './view-model.js';

const ROW = 26;
const LABEL = 240;
const PAGE = 200;

interface Row {
  key: string;
  label: string;
  depth: number;
  brief?: TaskBrief;
  /** A fan-out's header row: toggles its item rows. */
  fan?: { node: ViewNode; parentId: string; total: number };
  /** An item row of an expanded fan-out, by index. */
  item?: { parentId: string; index: number };
}

function buildRows(tree: ViewNode[], open: Set<string>): Row[] {
  const rows: Row[] = [];
  const walk = (nodes: ViewNode[], depth: number): void => {
    for (const node of nodes) {
      if (node.fanout) {
        const parentId = node.fanout.parentId;
        rows.push({
          key: node.key,
          label: node.name,
          depth,
          brief: latest(node),
          fan: parentId ? { node, parentId, total: node.fanout.total } : undefined,
        });
        if (parentId && open.has(node.key)) {
          for (let i = 0; i < node.fanout.total; i++)
            rows.push({
              key: `${node.key}#${i}`,
              label: `item ${i}`,
              depth: depth + 1,
              item: { parentId, index: i },
            });
        }
        continue;
      }
      if (node.attempts.length === 0) rows.push({ key: node.key, label: node.name, depth });
      node.attempts.forEach((brief, i) =>
        rows.push({
          key: brief.id,
          label: node.attempts.length > 1 ? `${node.name} (run ${i + 1})` : node.name,
          depth,
          brief,
        }),
      );
      if (node.children && node.kind === 'parallel') walk(node.children, depth + 1);
    }
  };
  walk(tree, 0);
  return rows;
}

/** Row keys on the longest path: every top-level step, and in each parallel block the child that ended last. */
function longestPath(tree: ViewNode[]): Set<string> {
  const keys = new Set<string>();
  const mark = (node: ViewNode): void => {
    const last = latest(node);
    keys.add(node.fanout ? node.key : (last?.id ?? node.key));
    if (node.children && node.kind === 'parallel') {
      const slowest = [...node.children].sort(
        (a, b) => (latest(b)?.endedAt ?? Infinity) - (latest(a)?.endedAt ?? Infinity),
      )[0];
      if (slowest) mark(slowest);
    }
  };
  tree.forEach(mark);
  return keys;
}

export function Timeline({
  job,
  tree,
  onSelect,
}: {
  job: JobDetail;
  tree: ViewNode[];
  onSelect: (taskId: string) => void;
}) {
  const now = useNow();
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [zoom, setZoom] = useState(1);
  const [queue, setQueue] = useState(false);
  const [critical, setCritical] = useState(false);
  const [width, setWidth] = useState(800);
  const scroller = useRef<HTMLDivElement>(null);
  const items = useRef(new Map<string, TaskBrief[]>());
  const [, redraw] = useState(0);
  const rows = useMemo(() => buildRows(tree, open), [tree, open]);
  const path = useMemo(() => (critical ? longestPath(tree) : new Set<string>()), [tree, critical]);
  const records = useMemo(() => rows.flatMap((r) => (r.brief ? [r.brief] : [])), [rows]);
  const running = job.state === 'RUNNING' || job.state === 'SCHEDULED';
  const span = axisSpan(job, records, now, queue);
  const plot = Math.max(200, (width - LABEL - 16) * zoom);
  const x = (t: number): number => ((t - span.from) / (span.to - span.from)) * plot;

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const visible = virtualizer.getVirtualItems();

  // Item rows of expanded fan-outs are read a page at a time as they come into view.
  useEffect(() => {
    for (const v of visible) {
      const item = rows[v.index]?.item;
      if (!item) continue;
      const key = `${item.parentId}:${Math.floor(item.index / PAGE)}`;
      if (items.current.has(key)) continue;
      items.current.set(key, []);
      void getJson<{ items: TaskBrief[] }>(
        `/ui/api/tasks/${item.parentId}/children?offset=${Math.floor(item.index / PAGE) * PAGE}&limit=${PAGE}`,
      ).then((r) => {
        items.current.set(key, r.items);
        redraw((n) => n + 1);
        if (running) setTimeout(() => items.current.delete(key), 3000);
      });
    }
  });

  const onWheel = (event: WheelEvent): void => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    setZoom((z) => Math.min(64, Math.max(1, z * (event.deltaY < 0 ? 1.25 : 0.8))));
  };
  const ticks = Array.from({ length: 6 }, (_, i) => span.from + ((span.to - span.from) * i) / 5);

  return (
    <div className="timeline">
      <div className="tl-controls" role="group" aria-label="Timeline controls">
        <button type="button" className="small" onClick={() => setZoom(1)}>
          Fit
        </button>
        <button
          type="button"
          className="small"
          aria-label="Zoom in"
          onClick={() => setZoom((z) => Math.min(64, z * 2))}
        >
          +
        </button>
        <button
          type="button"
          className="small"
          aria-label="Zoom out"
          onClick={() => setZoom((z) => Math.max(1, z / 2))}
        >
          −
        </button>
        <label className="check small">
          <input type="checkbox" checked={queue} onChange={(e) => setQueue(e.target.checked)} /> Include queue
          time
        </label>
        <label className="check small">
          <input type="checkbox" checked={critical} onChange={(e) => setCritical(e.target.checked)} /> Longest
          path
        </label>
        <span className="legend small">
          <span className="sw seg-waiting" /> waiting <span className="sw seg-queued" /> queued{' '}
          <span className="sw seg-running" /> running <span className="sw seg-completed" /> done{' '}
          <span className="sw seg-failed" /> failed
        </span>
      </div>
      <div
        className="tl-scroll"
        ref={scroller}
        onWheel={onWheel}
        tabIndex={0}
        aria-label="Timeline of the task records"
      >
        <div className="tl-axis" style={{ width: LABEL + plot }}>
          <span className="tl-label" />
          {ticks.map((t, i) => (
            <span
              key={t}
              className="tick"
              style={{
                left: LABEL + x(t),
                transform: i === 0 ? 'none' : i === ticks.length - 1 ? 'translateX(-100%)' : undefined,
              }}
            >
              +{formatDuration(t - span.from)}
            </span>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width: LABEL + plot, position: 'relative' }}>
          {running && <div className="now-line" style={{ left: LABEL + x(now) }} aria-hidden="true" />}
          {visible.map((v) => {
            const row = rows[v.index]!;
            const brief =
              row.brief ??
              (row.item
                ? items.current
                    .get(`${row.item.parentId}:${Math.floor(row.item.index / PAGE)}`)
                    ?.find((t) => t.childIndex === row.item!.index)
                : undefined);
            const segs = brief ? segments(brief, now) : [];
            return (
              <div
                key={row.key}
                className={`tl-row${path.has(row.key) ? ' critical' : ''}`}
                style={{ transform: `translateY(${v.start}px)`, width: LABEL + plot }}
              >
                <span className="tl-label" style={{ paddingLeft: 8 + row.depth * 14 }}>
                  {row.fan && (
                    <button
                      type="button"
                      className="fold"
                      aria-expanded={open.has(row.key)}
                      aria-label={`${open.has(row.key) ? 'Collapse' : 'Expand'} ${row.label}`}
                      onClick={() =>
                        setOpen((s) => {
                          const n = new Set(s);
                          if (n.has(row.key)) n.delete(row.key);
                          else n.add(row.key);
                          return n;
                        })
                      }
                    >
                      {open.has(row.key) ? '▾' : '▸'}
                    </button>
                  )}
                  {brief && <StateIcon state={brief.state} size={12} />}
                  {brief ? (
                    <button type="button" className="link" onClick={() => onSelect(brief.id)}>
                      {brief.name && row.item ? brief.name : row.label}
                    </button>
                  ) : (
                    <span className="muted">{row.label}</span>
                  )}
                </span>
                <svg
                  className="tl-bar"
                  width={plot}
                  height={ROW - 6}
                  role="img"
                  aria-label={
                    brief
                      ? `${row.label}: ${describeSegments(segs, formatDuration).replace(/\n/g, ', ') || brief.state}`
                      : `${row.label}: not started`
                  }
                >
                  {brief?.state === 'SKIPPED' && brief.createdAt !== undefined && (
                    <circle cx={x(brief.createdAt)} cy={(ROW - 6) / 2} r={4} className="seg-skipped" />
                  )}
                  {segs.map((s, i) => (
                    <rect
                      key={i}
                      x={x(s.from)}
                      y={3}
                      width={Math.max(1.5, x(s.to) - x(s.from))}
                      height={ROW - 12}
                      rx={2}
                      className={`seg-${s.kind}`}
                    >
                      <title>{`${s.kind}: ${formatDuration(s.to - s.from)}`}</title>
                    </rect>
                  ))}
                </svg>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
