/**
 * The user's settings, kept in localStorage: theme, time zone (one setting used everywhere),
 * live updates on/off, page size. `index.html` reads the theme before the first paint.
 */
import { useSyncExternalStore } from 'react';

export type Theme = 'system' | 'light' | 'dark';
export type TimeZone = 'local' | 'utc';

export interface Settings {
  theme: Theme;
  timeZone: TimeZone;
  live: boolean;
  pageSize: number;
}

const KEY = 'drover.settings';
const DEFAULTS: Settings = { theme: 'system', timeZone: 'local', live: true, pageSize: 50 };
const listeners = new Set<() => void>();

function load(): Settings {
  try {
    return { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>) };
  } catch {
    return DEFAULTS;
  }
}

let current = load();
const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

function applyTheme(): void {
  const resolved = current.theme === 'system' ? (darkQuery.matches ? 'dark' : 'light') : current.theme;
  document.documentElement.dataset.theme = resolved;
}

darkQuery.addEventListener('change', applyTheme);
applyTheme();

export function getSettings(): Settings {
  return current;
}

export function updateSettings(patch: Partial<Settings>): void {
  current = { ...current, ...patch };
  localStorage.setItem(KEY, JSON.stringify(current));
  applyTheme();
  for (const listener of listeners) listener();
}

export function useSettings(): Settings {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}
