/** Load a `/ui/api` snapshot (data + the event cursor it reflects) and reload it on demand. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { getJson } from './api.js';

export interface Snapshot<T> {
  data: T | undefined;
  error: unknown;
  cursor: string | undefined;
  /** Read again; with `revalidate`, a 304 keeps the current data. */
  reload: (revalidate?: boolean) => void;
  setData: (update: (current: T) => T) => void;
}

export function useSnapshot<T extends { cursor?: string }>(url: string | undefined): Snapshot<T> {
  const [data, setState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const generation = useRef(0);

  const load = useCallback(
    (revalidate = false) => {
      if (!url) return;
      const mine = ++generation.current;
      getJson<T>(url, { revalidate }).then(
        (value) => {
          if (mine !== generation.current) return;
          setState(value);
          setError(undefined);
          // The first cursor subscribes the view; later ones would only reopen the stream.
          setCursor((c) => c ?? value.cursor);
        },
        (err: unknown) => mine === generation.current && setError(err),
      );
    },
    [url],
  );

  useEffect(() => {
    setState(undefined);
    setCursor(undefined);
    load();
  }, [load]);

  const setData = useCallback(
    (update: (current: T) => T) => setState((c) => (c === undefined ? c : update(c))),
    [],
  );
  return { data, error, cursor, reload: load, setData };
}
