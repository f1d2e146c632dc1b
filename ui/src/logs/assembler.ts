/**
 * The log viewer's model, without React or the DOM (unit-tested in Node).
 *
 * A log is stored as parts whose boundaries fall anywhere; the viewer holds one contiguous
 * window of parts (by `seq`) and the lines they make. Older parts are prepended as the reader
 * scrolls up, newer ones appended as they arrive; a line cut by a part boundary is joined
 * again. Lines are split on `\n` only; a line's terminal look (`\r` progress, colours) is
 * computed when it is drawn ({@link renderLine}).
 */
import Anser from 'anser';

export interface Chunk {
  seq: number;
  taskId: string;
  contents: string;
  at?: number;
}

export interface Range {
  chunks: Chunk[];
  firstLine: number;
  hasBefore: boolean;
  hasAfter: boolean;
  totalLines: number;
  lastSeq: number;
}

export class LogModel {
  /** Raw text of each line in the window (the last one may still be open). */
  lines: string[] = [];
  /** Per line: `seq` of the part it starts in, its task, and that part's time. */
  seqs: number[] = [];
  tasks: string[] = [];
  times: (number | undefined)[] = [];
  /** Number of `lines[0]` in the whole log. */
  firstLine = 1;
  firstSeq = 0;
  lastSeq = 0;
  hasBefore = false;
  hasAfter = false;
  /** Lines in the whole log, as far as this model knows. */
  totalLines = 0;
  /** Whether the last line has no newline yet (more text may join it). */
  private openTail = false;
  /** Bumped at every change, for React. */
  version = 0;
  /** Whether any line is a group marker (folding is computed only then). */
  hasGroups = false;

  reset(range: Range): void {
    this.lines = [];
    this.seqs = [];
    this.tasks = [];
    this.times = [];
    this.openTail = false;
    this.firstLine = range.firstLine;
    this.firstSeq = range.chunks[0]?.seq ?? range.lastSeq + 1;
    this.lastSeq = range.chunks[range.chunks.length - 1]?.seq ?? range.lastSeq;
    this.hasBefore = range.hasBefore;
    this.hasAfter = range.hasAfter;
    this.hasGroups = false;
    for (const chunk of range.chunks) this.appendText(chunk);
    this.totalLines = Math.max(range.totalLines, this.windowEnd());
    this.version++;
  }

  /** New parts at the end (live). Parts already held are ignored, so a replay adds nothing twice. */
  append(chunks: Chunk[]): number {
    const before = this.lines.length;
    for (const chunk of chunks) {
      if (chunk.seq <= this.lastSeq) continue;
      this.appendText(chunk);
      this.lastSeq = chunk.seq;
    }
    if (this.lines.length !== before || chunks.length) this.version++;
    this.totalLines = Math.max(this.totalLines, this.windowEnd());
    return this.lines.length - before;
  }

  /** Older parts (a range read with `before=firstSeq`) at the start. */
  prepend(range: Range): number {
    const older = range.chunks.filter((c) => c.seq < this.firstSeq);
    if (older.length === 0) {
      this.hasBefore = false;
      this.version++;
      return 0;
    }
    const head = new LogModel();
    head.reset({ ...range, chunks: older, hasAfter: true });
    // The older window's last line continues into our first line unless it ended with a newline.
    if (head.openTail && this.lines.length > 0) {
      this.lines[0] = head.lines.pop()! + this.lines[0];
      this.seqs[0] = head.seqs.pop()!;
      this.tasks[0] = head.tasks.pop()!;
      this.times[0] = head.times.pop();
    }
    const added = head.lines.length;
    this.lines = head.lines.concat(this.lines);
    this.seqs = head.seqs.concat(this.seqs);
    this.tasks = head.tasks.concat(this.tasks);
    this.times = head.times.concat(this.times);
    this.firstLine = range.firstLine;
    this.firstSeq = older[0]!.seq;
    this.hasBefore = range.hasBefore;
    this.hasGroups ||= head.hasGroups;
    this.version++;
    return added;
  }

  /** Number of the last line in the window. */
  windowEnd(): number {
    return this.firstLine - 1 + this.lines.length;
  }

  /** Index in `lines` of a line number, or -1 when it is outside the window. */
  indexOf(line: number): number {
    const i = line - this.firstLine;
    return i >= 0 && i < this.lines.length ? i : -1;
  }

  private appendText(chunk: Chunk): void {
    const segments = chunk.contents.split('\n');
    let start = 0;
    if (this.openTail && this.lines.length > 0) {
      this.lines[this.lines.length - 1] += segments[0] ?? '';
      start = 1;
    }
    const endsWithNewline = chunk.contents.endsWith('\n');
    const end = endsWithNewline ? segments.length - 1 : segments.length;
    for (let i = start; i < end; i++) {
      const text = segments[i]!;
      if (!this.hasGroups && GROUP_MARKER.test(text)) this.hasGroups = true;
      this.lines.push(text);
      this.seqs.push(chunk.seq);
      this.tasks.push(chunk.taskId);
      this.times.push(chunk.at);
    }
    if (chunk.contents !== '') this.openTail = !endsWithNewline;
  }
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const ERASE = /\x1b\[[012]?K/g;

/** What a terminal leaves on a line after `\r` rewrites: the last segment that has text. */
export function collapseCarriageReturns(line: string): string {
  if (!line.includes('\r')) return line;
  const segments = line.replace(ERASE, '').split('\r');
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i]!.replace(ESCAPES, '') !== '') return segments[i]!;
  }
  return '';
}

/** The line as text, without escape sequences. */
export function plainText(line: string): string {
  return collapseCarriageReturns(line).replace(ESCAPES, '');
}

export interface Span {
  text: string;
  /** CSS classes (`ansi-red`, `ansi-bright-green-bg`, `ansi-bold`…). */
  className?: string;
  /** Inline colour for 256-colour and true-colour codes. */
  style?: { color?: string; backgroundColor?: string };
}

function paletteColor(n: number): string {
  if (n < 16) return '';
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = n - 16;
  const level = (x: number): number => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
}

function colorOf(name: string | null, truecolor: string | null): { className?: string; color?: string } {
  if (truecolor) return { color: `rgb(${truecolor})` };
  if (!name) return {};
  const palette = /^ansi-palette-(\d+)$/.exec(name);
  if (palette) {
    const n = Number(palette[1]);
    return n < 16 ? { className: `ansi-p${n}` } : { color: paletteColor(n) };
  }
  return { className: name };
}

/** A line drawn as a terminal would: `\r` rewrites collapsed, SGR colours as spans. */
export function renderLine(line: string): Span[] {
  const shown = collapseCarriageReturns(line);
  if (!shown.includes('\x1b')) return [{ text: shown }];
  const entries = Anser.ansiToJson(shown, { use_classes: true, remove_empty: true });
  return entries.map((e) => {
    const fg = colorOf(e.fg, e.fg_truecolor);
    const bg = colorOf(e.bg, e.bg_truecolor);
    const classes = [
      fg.className,
      bg.className && `${bg.className}-bg`,
      ...e.decorations.map((d) => `ansi-${d}`),
    ].filter(Boolean);
    const span: Span = { text: e.content };
    if (classes.length) span.className = classes.join(' ');
    if (fg.color || bg.color) span.style = { color: fg.color, backgroundColor: bg.color };
    return span;
  });
}

/** GitHub's `::group::`/`::endgroup::` and Buildkite's `---`, `+++`, `~~~` section headers. */
export const GROUP_MARKER = /^(?:::group::|::endgroup::|(?:---|\+\+\+|~~~) )/;

export interface Fold {
  /** Indexes (into `lines`) of the lines to draw, in order. */
  visible: number[];
  /** Group headers by line index: title and whether it is open. */
  headers: Map<number, { title: string; open: boolean; size: number }>;
}

/**
 * Which lines to draw given the groups' open/closed state. Groups are closed unless opened by
 * the reader, still running (the last group of a live log), or holding an error line.
 */
export function foldLines(
  lines: string[],
  toggled: Set<number>,
  isLive: boolean,
  isError: (line: string) => boolean,
): Fold {
  const headers = new Map<number, { title: string; open: boolean; size: number }>();
  const visible: number[] = [];
  let group: { index: number; lines: number[]; error: boolean } | undefined;
  const close = (atEnd: boolean): void => {
    if (!group) return;
    const defaultOpen = group.error || (isLive && atEnd);
    const open = toggled.has(group.index) ? !defaultOpen : defaultOpen;
    headers.set(group.index, { title: titleOf(lines[group.index]!), open, size: group.lines.length });
    visible.push(group.index);
    if (open) visible.push(...group.lines);
    group = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const text = plainText(lines[i]!);
    if (text.startsWith('::endgroup::')) {
      if (group) group.lines.push(i);
      else visible.push(i);
      close(false);
    } else if (GROUP_MARKER.test(text)) {
      close(false);
      group = { index: i, lines: [], error: false };
    } else if (group) {
      group.lines.push(i);
      if (!group.error && isError(text)) group.error = true;
    } else {
      visible.push(i);
    }
  }
  close(true);
  return { visible, headers };
}

function titleOf(line: string): string {
  return (
    plainText(line)
      .replace(/^(?:::group::|(?:---|\+\+\+|~~~) )/, '')
      .trim() || 'group'
  );
}
