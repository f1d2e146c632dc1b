/** Times and durations as the UI prints them. Pure (unit-tested without a browser). */

export type Zone = 'local' | 'utc';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2026-11-28 14:03:07` in the chosen zone (UTC gets a `Z`). */
export function formatTime(ms: number | undefined, zone: Zone): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  if (zone === 'utc') {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `14:03:07` (with `Z` in UTC). */
export function formatClock(ms: number, zone: Zone): string {
  return formatTime(ms, zone).slice(11);
}

/** `340 ms`, `12.4 s`, `3m 05s`, `2h 04m`, `3d 2h`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(Math.floor(s % 60))}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago` (`in …` for the future). */
export function formatRelative(ms: number | undefined, now: number): string {
  if (ms === undefined) return '';
  const diff = now - ms;
  const future = diff < 0;
  const s = Math.abs(diff) / 1000;
  let text: string;
  if (s < 5) return 'just now';
  if (s < 60) text = `${Math.floor(s)} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < 86400 * 2) text = `${Math.floor(s / 3600)} h`;
  else text = `${Math.floor(s / 86400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}
