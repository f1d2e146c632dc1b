/** Small shared pieces: state badges (icon + word + colour), times, durations, dialogs, toasts. */
import { useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { formatDuration, formatRelative, formatTime } from './format.js';
import { useSettings } from './settings.js';

/** One SVG path per state: readable without colour, and independent of installed fonts. */
const ICONS: Record<string, string> = {
  COMPLETED: 'M3.5 8.5l3 3 6-7',
  FAILED: 'M4 4l8 8M12 4l-8 8',
  RUNNING: 'M5 3.5v9l7.5-4.5z',
  SCHEDULED: 'M8 4v4l2.5 2.5M8 1.5a6.5 6.5 0 100 13 6.5 6.5 0 000-13',
  PENDING: 'M8 1.5a6.5 6.5 0 100 13 6.5 6.5 0 000-13',
  CREATED: 'M8 1.5a6.5 6.5 0 100 13 6.5 6.5 0 000-13',
  CANCELLED: 'M3.5 3.5l9 9M8 1.5a6.5 6.5 0 100 13 6.5 6.5 0 000-13',
  SKIPPED: 'M3 8h8m-3-3l3 3-3 3',
  STOPPED: 'M4.5 4.5h7v7h-7z',
  ACTIVE: 'M5 3.5v9l7.5-4.5z',
  PAUSED: 'M5 3.5v9M11 3.5v9',
  UP: 'M3.5 8.5l3 3 6-7',
  DOWN: 'M4 4l8 8M12 4l-8 8',
  OFFLINE: 'M3.5 3.5l9 9M8 1.5a6.5 6.5 0 100 13 6.5 6.5 0 000-13',
};

export function StateIcon({ state, size = 14 }: { state: string; size?: number }) {
  return (
    <svg
      className={`state-icon st-${state}`}
      width={size}
      height={size}
      viewBox="0 0 16 16"
      aria-hidden="true"
    >
      <path
        d={ICONS[state] ?? ICONS.PENDING}
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/** State as icon + word + colour (never colour alone). */
export function StateBadge({ state, label }: { state: string; label?: string }) {
  return (
    <span className={`badge st-${state}`}>
      <StateIcon state={state} />
      {label ?? state}
    </span>
  );
}

let tick = Date.now();
const tickListeners = new Set<() => void>();
setInterval(() => {
  tick = Date.now();
  for (const listener of tickListeners) listener();
}, 1000);

/** The current time, re-rendering every second (for live durations and relative times). */
export function useNow(): number {
  return useSyncExternalStore(
    (listener) => {
      tickListeners.add(listener);
      return () => tickListeners.delete(listener);
    },
    () => tick,
  );
}

/** A time shown relative, with the absolute time (in the chosen zone) in the tooltip. */
export function RelTime({ ms }: { ms: number | undefined }) {
  const now = useNow();
  const { timeZone } = useSettings();
  if (ms === undefined) return null;
  const abs = formatTime(ms, timeZone);
  return (
    <time dateTime={new Date(ms).toISOString()} title={abs}>
      {formatRelative(ms, now)}
    </time>
  );
}

export function AbsTime({ ms }: { ms: number | undefined }) {
  const { timeZone } = useSettings();
  if (ms === undefined) return null;
  return <time dateTime={new Date(ms).toISOString()}>{formatTime(ms, timeZone)}</time>;
}

/** A duration that ticks while `end` is missing. */
export function LiveDuration({ start, end }: { start?: number; end?: number }) {
  const now = useNow();
  if (start === undefined) return null;
  return <span className="num">{formatDuration((end ?? now) - start)}</span>;
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.max(0, Math.min(100, value));
  return (
    <span
      className="progress"
      role="progressbar"
      aria-valuenow={Math.round(pct)}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-label={label}
    >
      <span style={{ width: `${pct}%` }} />
    </span>
  );
}

/** A modal dialog (native `<dialog>`: focus trapping and Esc come with it). */
export function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-label={title} onClose={onClose} onCancel={onClose}>
      {open && (
        <>
          <h2>{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}

export function Confirm(props: {
  open: boolean;
  title: string;
  body: ReactNode;
  confirm: string;
  danger?: boolean;
  /** When set, the user must type this to confirm (deleting a queue). */
  typeToConfirm?: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const ready = !props.typeToConfirm || typed === props.typeToConfirm;
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      <div className="dialog-body">{props.body}</div>
      {props.typeToConfirm && (
        <label className="field">
          Type <code>{props.typeToConfirm}</code> to confirm
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoFocus />
        </label>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose}>
          Keep it
        </button>
        <button
          type="button"
          className={props.danger ? 'danger' : 'primary'}
          disabled={!ready}
          onClick={() => {
            props.onConfirm();
            props.onClose();
          }}
        >
          {props.confirm}
        </button>
      </div>
    </Dialog>
  );
}

type Toast = { id: number; text: string; kind: 'error' | 'info' };
let toasts: Toast[] = [];
let toastId = 0;
const toastListeners = new Set<() => void>();

export function notify(text: string, kind: Toast['kind'] = 'info'): void {
  const id = ++toastId;
  toasts = [...toasts, { id, text, kind }];
  toastListeners.forEach((l) => l());
  setTimeout(
    () => {
      toasts = toasts.filter((t) => t.id !== id);
      toastListeners.forEach((l) => l());
    },
    kind === 'error' ? 8000 : 4000,
  );
}

export function Toasts() {
  const list = useSyncExternalStore(
    (l) => {
      toastListeners.add(l);
      return () => toastListeners.delete(l);
    },
    () => toasts,
  );
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

export async function copyText(text: string, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    notify(`${what} copied`);
  } catch {
    notify(`Could not copy ${what}: the browser refused clipboard access`, 'error');
  }
}

/** Run an action and report its failure as a toast. */
export function attempt(action: () => Promise<unknown>, done?: string): void {
  action().then(
    () => done && notify(done),
    (err: unknown) => notify(err instanceof Error ? err.message : String(err), 'error'),
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error-note" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
