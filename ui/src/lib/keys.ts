/**
 * Keyboard shortcuts. Single keys (`/`, `?`, `j`, `k`, `Enter`, `Escape`) and `g` chords
 * (`g s`: press g, then s). Views register their keys while mounted; the newest registration
 * wins. Keys typed into a field are left alone, except Escape.
 */
import { useEffect, useRef } from 'react';

export type KeyMap = Record<string, (event: KeyboardEvent) => void>;

const stack: { current: KeyMap }[] = [];
let chord = false;
let chordTimer: ReturnType<typeof setTimeout> | undefined;

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

window.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(event.target) && event.key !== 'Escape') return;
  let key = event.key;
  if (chord) {
    chord = false;
    clearTimeout(chordTimer);
    key = `g ${key}`;
  } else if (key === 'g') {
    chord = true;
    chordTimer = setTimeout(() => (chord = false), 1500);
    return;
  }
  for (let i = stack.length - 1; i >= 0; i--) {
    const handler = stack[i]!.current[key];
    if (handler) {
      event.preventDefault();
      handler(event);
      return;
    }
  }
});

/** Register keys while the calling component is mounted. */
export function useKeys(map: KeyMap): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    // Reads the latest map on each key press, so handlers may change on every render.
    const entry = {
      get current() {
        return ref.current;
      },
    };
    stack.push(entry);
    return () => {
      const index = stack.indexOf(entry);
      if (index >= 0) stack.splice(index, 1);
    };
  }, []);
}

/** Move a row selection with j/k and open it with Enter. */
export function rowKeys(
  count: number,
  selected: number,
  select: (index: number) => void,
  open: (index: number) => void,
): KeyMap {
  return {
    j: () => select(Math.min(count - 1, selected + 1)),
    k: () => select(Math.max(0, selected - 1)),
    Enter: () => selected >= 0 && selected < count && open(selected),
  };
}

export const SHORTCUTS: [string, string][] = [
  ['/', 'Search jobs'],
  ['j / k', 'Next / previous row'],
  ['Enter', 'Open the selected row'],
  ['g o', 'Overview'],
  ['g j', 'Jobs'],
  ['g c', 'Scheduled jobs'],
  ['g n', 'Nodes'],
  ['g q', 'Queues'],
  ['g e', 'New job (editor)'],
  ['g s / g t / g l', 'Job page: Structure / Timeline / Logs'],
  ['Esc', 'Close the drawer or dialog'],
  ['?', 'This help'],
];
