/**
 * The log viewer (UI.md §2.4): opens on the tail, follows new lines only while the reader is at
 * the bottom, loads older ranges as they scroll up (one range per request, never the whole
 * log), renders ANSI colours and `\r` progress, folds groups, searches the whole log on the
 * server and downloads it whole. Virtual rows: a few dozen lines in the DOM, whatever the size.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { getJson } from '../lib/api.js';
import { useLive, type LogEvent } from '../lib/live.js';
import { useSettings } from '../lib/settings.js';
import { notify } from '../lib/ui.js';
import { foldLines, LogModel, type Range } from './assembler.js';
import { LogLine } from './log-line.js';
import { LogToolbar, type SearchState } from './log-toolbar.js';

const ERROR_LINE = /\b(error|errors|fatal|failed|failure|panic|exception|traceback)\b/i;
const ROW = 18;
const FOLLOW_GRACE_MS = 5000;

export interface LogViewerProps {
  scope: 'task' | 'job';
  id: string;
  /** The task or job can still write: follow the stream. */
  active: boolean;
  /** Shown in the status corner, e.g. `ended (exit 1)`. */
  status?: string;
  /** Task names by id, for the task column of a job's log. */
  taskNames?: Record<string, string>;
  /** Open at this line instead of the tail. */
  line?: number;
  label: string;
}

export function LogViewer(props: LogViewerProps) {
  const { scope, id } = props;
  const base = `/ui/api/${scope === 'task' ? 'tasks' : 'jobs'}/${encodeURIComponent(id)}/log`;
  const { timeZone } = useSettings();
  const model = useRef(new LogModel());
  const [, setVersion] = useState(0);
  const bump = (): void => setVersion(model.current.version);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(false);
  const [atEnd, setAtEnd] = useState(true);
  const [fresh, setFresh] = useState(0);
  const [toggled, setToggled] = useState<Set<number>>(new Set());
  const [showTime, setShowTime] = useState(false);
  const [wrap, setWrap] = useState(false);
  const [search, setSearch] = useState<SearchState | undefined>();
  const [target, setTarget] = useState<number | undefined>(props.line);
  const scroller = useRef<HTMLDivElement>(null);
  const m = model.current;

  const load = useCallback(
    async (query: string, then?: (model: LogModel) => void) => {
      setLoading(true);
      try {
        const range = await getJson<Range>(`${base}?${query}`);
        model.current.reset(range);
        setToggled(new Set());
        bump();
        setLoaded(true);
        then?.(model.current);
      } catch (err) {
        notify(err instanceof Error ? err.message : String(err), 'error');
      } finally {
        setLoading(false);
      }
    },
    [base],
  );

  useEffect(() => {
    model.current = new LogModel();
    setLoaded(false);
    setSearch(undefined);
    void load(props.line ? `line=${props.line}&lines=1000` : 'tail=1000');
  }, [base]);

  const fold = useMemo(
    () =>
      m.hasGroups
        ? foldLines(m.lines, toggled, props.active && !m.hasAfter, (t) => ERROR_LINE.test(t))
        : undefined,
    [m.version, toggled, props.active],
  );
  const count = fold ? fold.visible.length : m.lines.length;
  const lineAt = (i: number): number => (fold ? fold.visible[i]! : i);
  const rowOf = (index: number): number => (fold ? fold.visible.indexOf(index) : index);

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 30,
    getItemKey: (i) => m.firstLine + lineAt(i),
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 6,
  });

  // Land on the target line (permalink, search match) or on the tail after each (re)load.
  useEffect(() => {
    if (!loaded || count === 0) return;
    if (target !== undefined) {
      const index = m.indexOf(target);
      if (index >= 0) {
        virtualizer.scrollToIndex(Math.max(rowOf(index), 0), { align: 'center' });
        return;
      }
    }
    if (!m.hasAfter) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [loaded, target, m.firstSeq]);

  // Parts can be stored a moment after their task ends: keep following for a few seconds more.
  const [following, setFollowing] = useState(props.active);
  useEffect(() => {
    if (props.active) {
      setFollowing(true);
      return;
    }
    const timer = setTimeout(() => setFollowing(false), FOLLOW_GRACE_MS);
    return () => clearTimeout(timer);
  }, [props.active]);

  useLive(
    {
      log: `${scope}:${id}`,
      logAfter: () => model.current.lastSeq,
      enabled: loaded && following && !m.hasAfter,
    },
    {
      log: (chunks: LogEvent[]) => {
        const mine = scope === 'task' ? chunks.filter((c) => c.taskId === id) : chunks;
        const added = model.current.append(mine);
        if (added > 0) {
          if (!atEnd) setFresh((n) => n + added);
          bump();
        }
      },
    },
  );

  const onScroll = (): void => {
    const el = scroller.current;
    if (!el) return;
    const bottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
    if (bottom !== atEnd) setAtEnd(bottom);
    if (bottom) setFresh(0);
    if (loading) return;
    if (el.scrollTop < ROW * 20 && m.hasBefore) {
      setLoading(true);
      getJson<Range>(`${base}?before=${m.firstSeq}&lines=1000`)
        .then((range) => {
          model.current.prepend(range);
          bump();
        })
        .catch((err: unknown) => notify(String(err), 'error'))
        .finally(() => setLoading(false));
    } else if (bottom && m.hasAfter) {
      setLoading(true);
      getJson<Range>(`${base}?after=${m.lastSeq}`)
        .then((range) => {
          model.current.append(range.chunks);
          model.current.hasAfter =
            range.chunks.length > 0 && range.chunks[range.chunks.length - 1]!.seq < range.lastSeq;
          bump();
        })
        .catch((err: unknown) => notify(String(err), 'error'))
        .finally(() => setLoading(false));
    }
  };

  const jumpTo = (line: number, seq: number): void => {
    setTarget(line);
    if (model.current.indexOf(line) >= 0) {
      const index = rowOf(model.current.indexOf(line));
      if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center' });
      return;
    }
    void load(`from=${seq}&lines=1000`);
  };

  const toTail = (): void => {
    setFresh(0);
    setTarget(undefined);
    if (m.hasAfter) void load('tail=1000');
    else virtualizer.scrollToIndex(count - 1, { align: 'end' });
  };

  const hits = useMemo(() => new Set(search?.result?.matches.map((x) => x.line)), [search?.result]);
  const currentHit = search?.result?.matches[search.index]?.line;
  const items = virtualizer.getVirtualItems();

  return (
    <div className={`log-viewer${wrap ? ' wrap' : ''}`}>
      <LogToolbar
        base={base}
        search={search}
        setSearch={setSearch}
        jumpTo={jumpTo}
        showTime={showTime}
        setShowTime={setShowTime}
        wrap={wrap}
        setWrap={setWrap}
        status={props.status ?? (props.active ? (atEnd ? 'live' : 'live (paused: scrolled up)') : 'ended')}
        totalLines={m.totalLines}
      />
      <div
        className="log-scroll"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-live="off"
        aria-label={props.label}
        tabIndex={0}
      >
        {!loaded && <p className="loading">Loading the log…</p>}
        {loaded && count === 0 && <p className="empty">No output yet.</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const index = lineAt(item.index);
            const n = m.firstLine + index;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={wrap ? virtualizer.measureElement : undefined}
                className="log-row"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <LogLine
                  n={n}
                  text={m.lines[index] ?? ''}
                  at={m.times[index]}
                  task={
                    props.taskNames
                      ? (props.taskNames[m.tasks[index]!] ?? m.tasks[index]!.slice(0, 8))
                      : undefined
                  }
                  zone={timeZone}
                  showTime={showTime}
                  hit={hits.has(n)}
                  current={currentHit === n || target === n}
                  header={fold?.headers.get(index)}
                  onToggle={() => {
                    const next = new Set(toggled);
                    if (next.has(index)) next.delete(index);
                    else next.add(index);
                    setToggled(next);
                  }}
                />
              </div>
            );
          })}
        </div>
      </div>
      {(fresh > 0 || m.hasAfter || (!atEnd && props.active)) && (
        <button type="button" className="pill log-pill" onClick={toTail}>
          {fresh > 0
            ? `↓ ${fresh} new line${fresh === 1 ? '' : 's'}`
            : m.hasAfter
              ? '↓ Back to the end'
              : '↓ Follow'}
        </button>
      )}
    </div>
  );
}
