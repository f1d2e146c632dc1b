/**
 * Lines of a log stored as parts whose boundaries fall anywhere (a part may end mid-line).
 * Lines are split on `\n` only; line N starts after the (N-1)th newline of the whole log.
 */

export function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

// CSI (colours, cursor moves, erase), OSC (titles, links) and two-character escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

/**
 * What a terminal would show for one line: escape sequences removed, and after a carriage
 * return only what was written last (a progress bar's final state). Used by search, the
 * errors filter and the failure banner, so they match what the viewer draws.
 */
export function visibleText(line: string): string {
  const plain = line.replace(ESCAPES, '');
  if (!plain.includes('\r')) return plain;
  const segments = plain.split('\r');
  let shown = '';
  for (const segment of segments) {
    // Each segment overwrites the start of what is on the line so far.
    shown = segment + shown.slice(segment.length);
  }
  return shown;
}

export interface ScannedLine {
  /** 1-based line number in the whole log. */
  line: number;
  /** `seq` of the part in which the line starts. */
  seq: number;
  text: string;
}

/**
 * Feed parts in order; complete lines come out as they close. `firstLine` is the number of the
 * line the first part's text begins in.
 */
export class LineScanner {
  private partial = '';
  private partialSeq = 0;
  private next: number;

  constructor(firstLine = 1) {
    this.next = firstLine;
  }

  push(seq: number, contents: string, emit: (line: ScannedLine) => void): void {
    let start = 0;
    if (this.partial === '') this.partialSeq = seq;
    for (let nl = contents.indexOf('\n'); nl !== -1; nl = contents.indexOf('\n', start)) {
      emit({ line: this.next++, seq: this.partialSeq, text: this.partial + contents.slice(start, nl) });
      this.partial = '';
      start = nl + 1;
      this.partialSeq = seq;
    }
    this.partial += contents.slice(start);
  }

  /** The last line, when the log does not end with a newline. */
  end(emit: (line: ScannedLine) => void): void {
    if (this.partial !== '') emit({ line: this.next++, seq: this.partialSeq, text: this.partial });
    this.partial = '';
  }
}

/** Lines that look like errors (the "errors only" filter and "jump to first error"). */
export const ERROR_PATTERN = /\b(error|errors|fatal|failed|failure|panic|exception|traceback)\b/i;
