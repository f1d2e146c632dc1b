/** One drawn log line: number (a permalink), optional time and task, the terminal-rendered text. */
import { memo } from 'react';
import { formatClock } from '../lib/format.js';
import type { Zone } from '../lib/format.js';
import { renderLine } from './assembler.js';

export interface LineProps {
  n: number;
  text: string;
  at?: number;
  task?: string;
  zone: Zone;
  showTime: boolean;
  hit: boolean;
  current: boolean;
  header?: { title: string; open: boolean; size: number };
  onToggle?: () => void;
}

export const LogLine = memo(function LogLine(props: LineProps) {
  const { n, header } = props;
  const cls = `log-line${props.hit ? ' hit' : ''}${props.current ? ' current' : ''}${header ? ' group' : ''}`;
  return (
    <div className={cls} data-line={n}>
      <a className="ln" href={`#L${n}`} aria-label={`Line ${n}`}>
        {n}
      </a>
      {props.showTime && <span className="lt">{props.at ? formatClock(props.at, props.zone) : ''}</span>}
      {props.task !== undefined && (
        <span className="lk" title={props.task}>
          {props.task}
        </span>
      )}
      {header ? (
        <button type="button" className="fold" aria-expanded={header.open} onClick={props.onToggle}>
          {header.open ? '▾' : '▸'} {header.title} <span className="muted">({header.size} lines)</span>
        </button>
      ) : (
        <span className="lx">
          {renderLine(props.text).map((span, i) =>
            span.className || span.style ? (
              <span key={i} className={span.className} style={span.style}>
                {span.text}
              </span>
            ) : (
              span.text
            ),
          )}
        </span>
      )}
    </div>
  );
});
