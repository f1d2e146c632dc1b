/** The log viewer's toolbar: whole-log search with exact counts, errors, toggles, download. */
import { useState } from 'react';
import type { LogSearch } from '../../../src/api/ui/logs.js';
import { getJson } from '../lib/api.js';
import { notify } from '../lib/ui.js';

export interface SearchState {
  query: string;
  mode: 'text' | 'errors';
  result?: LogSearch;
  index: number;
  /** Errors only: the matching lines replace the log. */
  only: boolean;
}

interface Props {
  base: string;
  search: SearchState | undefined;
  setSearch: (s: SearchState | undefined) => void;
  jumpTo: (line: number, seq: number) => void;
  showTime: boolean;
  setShowTime: (v: boolean) => void;
  wrap: boolean;
  setWrap: (v: boolean) => void;
  status: string;
  totalLines: number;
}

const SHOWN_ERRORS = 300;

export function LogToolbar(props: Props) {
  const { search, setSearch, jumpTo } = props;
  const [text, setText] = useState(search?.query ?? '');
  const [busy, setBusy] = useState(false);

  const run = async (mode: 'text' | 'errors', only = false): Promise<SearchState | undefined> => {
    setBusy(true);
    try {
      const q = mode === 'errors' ? 'mode=errors' : `q=${encodeURIComponent(text)}`;
      const result = await getJson<LogSearch>(`${props.base}/search?${q}`);
      const next: SearchState = { query: text, mode, result, index: 0, only };
      setSearch(next);
      return next;
    } catch (err) {
      notify(err instanceof Error ? err.message : String(err), 'error');
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  const go = (state: SearchState, index: number): void => {
    const match = state.result?.matches[index];
    if (!match) return;
    setSearch({ ...state, index, only: false });
    jumpTo(match.line, match.seq);
  };
  const count = search?.result?.count ?? 0;
  const shown = search?.result?.matches.length ?? 0;

  return (
    <div className="log-toolbar">
      <form
        className="log-search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim() === '') return setSearch(undefined);
          void run('text').then((s) => s && go(s, 0));
        }}
      >
        <label className="sr-only" htmlFor={`${props.base}-q`}>
          Search the whole log
        </label>
        <input
          id={`${props.base}-q`}
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Search the whole log"
        />
        <button type="submit" className="small" disabled={busy}>
          Search
        </button>
        {search?.result && (
          <span className="search-count" role="status">
            {count === 0 ? 'no matches' : `${search.index + 1} of ${count} match${count === 1 ? '' : 'es'}`}
            {search.result.truncated && ` (first ${shown} can be visited)`}
          </span>
        )}
        {count > 0 && (
          <>
            <button
              type="button"
              className="small"
              aria-label="Previous match"
              onClick={() => search && go(search, (search.index - 1 + shown) % shown)}
            >
              ↑
            </button>
            <button
              type="button"
              className="small"
              aria-label="Next match"
              onClick={() => search && go(search, (search.index + 1) % shown)}
            >
              ↓
            </button>
          </>
        )}
      </form>
      <div className="log-options">
        <button
          type="button"
          className="small"
          onClick={() =>
            void run('errors').then((s) =>
              s && s.result?.count ? go(s, 0) : notify('No line looks like an error'),
            )
          }
        >
          Jump to first error
        </button>
        <button
          type="button"
          className="small"
          aria-pressed={!!search?.only}
          onClick={() => (search?.only ? setSearch({ ...search, only: false }) : void run('errors', true))}
        >
          Errors only
        </button>
        <label className="check small">
          <input
            type="checkbox"
            checked={props.showTime}
            onChange={(e) => props.setShowTime(e.target.checked)}
          />{' '}
          Times
        </label>
        <label className="check small">
          <input type="checkbox" checked={props.wrap} onChange={(e) => props.setWrap(e.target.checked)} />{' '}
          Wrap
        </label>
        <a className="button small" href={`${props.base}/download`} download>
          Download
        </a>
        <span className="log-status muted">
          {props.status} · {props.totalLines.toLocaleString('en')} lines
        </span>
      </div>
      {search?.only && search.result && (
        <div className="errors-only" aria-label="Lines that look like errors">
          {search.result.count === 0 && <p className="empty">No line looks like an error.</p>}
          <ol>
            {search.result.matches.slice(0, SHOWN_ERRORS).map((match, i) => (
              <li key={match.line}>
                <button type="button" className="link" onClick={() => go(search, i)}>
                  <span className="ln">{match.line}</span> {match.text}
                </button>
              </li>
            ))}
          </ol>
          {search.result.count > SHOWN_ERRORS && (
            <p className="muted">{search.result.count - SHOWN_ERRORS} more: use the arrows to visit them.</p>
          )}
        </div>
      )}
    </div>
  );
}
