/**
 * A fan-out's items as a virtual table: index, name, state, duration, node, attempts, with
 * "failed only" and "running only". States come live from the card's state letters; the other
 * columns are read a page at a time as rows scroll into view. Never draws 10,000 rows.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { TaskBrief } from '../../../src/api/ui/shapes.js';
import { getJson } from '../lib/api.js';
import { formatDuration } from '../lib/format.js';
import { StateBadge, useNow } from '../lib/ui.js';
import { CODE_STATES } from './view-model.js';

const PAGE = 100;
const ROW = 30;

type Item = TaskBrief & { attempts: number };

export function ItemsTable(props: {
  parentId: string;
  letters: string;
  active: boolean;
  onSelect: (taskId: string) => void;
  label: string;
}) {
  const [filter, setFilter] = useState<'' | 'f' | 'r'>('');
  const indexes = useMemo(() => {
    const out: number[] = [];
    for (let i = 0; i < props.letters.length; i++) if (!filter || props.letters[i] === filter) out.push(i);
    return out;
  }, [props.letters, filter]);
  const pages = useRef(new Map<string, { at: number; items: Item[] | undefined }>());
  const [, redraw] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const now = useNow();
  const virtualizer = useVirtualizer({
    count: indexes.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  const rows = virtualizer.getVirtualItems();

  // Read the pages the visible rows fall in; while the job runs, re-read them every few seconds.
  const wanted = [...new Set(rows.map((r) => Math.floor(r.index / PAGE)))];
  useEffect(() => {
    for (const page of wanted) {
      const key = `${filter}:${page}`;
      const cached = pages.current.get(key);
      if (cached && (!props.active || now - cached.at < 3000)) continue;
      pages.current.set(key, { at: now, items: cached?.items });
      const url = `/ui/api/tasks/${encodeURIComponent(props.parentId)}/children?offset=${page * PAGE}&limit=${PAGE}${filter ? `&states=${filter}` : ''}`;
      getJson<{ items: Item[] }>(url).then(
        (r) => {
          pages.current.set(key, { at: Date.now(), items: r.items });
          redraw((n) => n + 1);
        },
        () => pages.current.delete(key),
      );
    }
  });

  const itemAt = (row: number): Item | undefined => {
    const page = pages.current.get(`${filter}:${Math.floor(row / PAGE)}`)?.items;
    const item = page?.[row % PAGE];
    return item && item.childIndex === indexes[row] ? item : page?.find((x) => x.childIndex === indexes[row]);
  };

  return (
    <div className="items">
      <div className="items-filters" role="group" aria-label="Show">
        <button type="button" className="small" aria-pressed={filter === ''} onClick={() => setFilter('')}>
          All ({props.letters.length})
        </button>
        <button
          type="button"
          className="small"
          aria-pressed={filter === 'f'}
          onClick={() => setFilter(filter === 'f' ? '' : 'f')}
        >
          Failed only
        </button>
        <button
          type="button"
          className="small"
          aria-pressed={filter === 'r'}
          onClick={() => setFilter(filter === 'r' ? '' : 'r')}
        >
          Running only
        </button>
      </div>
      <div className="items-head" aria-hidden="true">
        <span>#</span>
        <span>Name</span>
        <span>State</span>
        <span>Duration</span>
        <span>Node</span>
        <span>Attempts</span>
      </div>
      <div className="items-scroll" ref={scroller} role="list" aria-label={props.label} tabIndex={0}>
        {indexes.length === 0 && <p className="empty">No item.</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {rows.map((row) => {
            const index = indexes[row.index]!;
            const item = itemAt(row.index);
            const state = CODE_STATES[props.letters[index] ?? '-'] ?? 'CREATED';
            return (
              <div
                key={index}
                role="listitem"
                className="items-row"
                style={{ transform: `translateY(${row.start}px)` }}
              >
                <span className="num">{index}</span>
                <span>
                  {item ? (
                    <button type="button" className="link" onClick={() => props.onSelect(item.id)}>
                      {item.name ?? `item ${index}`}
                    </button>
                  ) : (
                    <span className="muted">item {index}</span>
                  )}
                </span>
                <span>
                  <StateBadge state={state} />
                </span>
                <span className="num">
                  {item?.startedAt ? formatDuration((item.endedAt ?? now) - item.startedAt) : ''}
                </span>
                <span className="mono small">{item?.nodeId?.slice(0, 8) ?? ''}</span>
                <span className="num">{item?.attempts ?? ''}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
