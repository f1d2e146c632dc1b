/**
 * A small router: the path and query string are the view state (filters, tabs, the open task),
 * so every view is a link. App paths are written without the `/ui` base (`/jobs/abc?view=logs`).
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE = '/ui';

export interface Location {
  /** Path without the base, always starting with `/`. */
  path: string;
  query: URLSearchParams;
  hash: string;
  /** `path` + `?query` (without the base). */
  href: string;
}

const listeners = new Set<() => void>();
let current = read();

function read(): Location {
  const raw = window.location.pathname;
  const path = raw === BASE || raw.startsWith(`${BASE}/`) ? raw.slice(BASE.length) || '/' : raw;
  const search = window.location.search;
  return {
    path,
    query: new URLSearchParams(search),
    hash: window.location.hash.slice(1),
    href: path + search,
  };
}

function notify(): void {
  current = read();
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = BASE + to;
  if (url === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  notify();
  if (!options.replace && !to.includes('#')) window.scrollTo(0, 0);
}

/** Change some query parameters of the current path (`undefined` or `''` removes one). */
export function setQuery(
  patch: Record<string, string | undefined>,
  options: { replace?: boolean } = { replace: true },
): void {
  const query = new URLSearchParams(current.query);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === '') query.delete(key);
    else query.set(key, value);
  }
  const search = query.toString();
  navigate(current.path + (search ? `?${search}` : ''), options);
}

export function useLocation(): Location {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** `/jobs/:id` against `/jobs/abc` → `{ id: 'abc' }`; `null` when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const normal = (p: string): string => (p.length > 1 ? p.replace(/\/$/, '') : p);
  if (normal(pattern) === '/' || normal(path) === '/') return normal(pattern) === normal(path) ? {} : null;
  const want = normal(pattern).split('/');
  const have = normal(path).split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = have[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An ordinary link (open in new tab works) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={handle} {...rest} />;
}
