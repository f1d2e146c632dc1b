import { describe, expect, it } from 'vitest';
import {
  collapseCarriageReturns,
  foldLines,
  LogModel,
  plainText,
  renderLine,
  type Range,
} from '../../ui/src/logs/assembler.js';

const range = (chunks: [number, string][], extra: Partial<Range> = {}): Range => ({
  chunks: chunks.map(([seq, contents]) => ({ seq, taskId: 't', contents })),
  firstLine: 1,
  hasBefore: false,
  hasAfter: false,
  totalLines: 0,
  lastSeq: chunks[chunks.length - 1]?.[0] ?? 0,
  ...extra,
});

describe('the log model', () => {
  it('joins a line that a part boundary cut in two', () => {
    const m = new LogModel();
    m.reset(
      range([
        [1, 'one\ntw'],
        [2, 'o\nthree'],
      ]),
    );
    expect(m.lines).toEqual(['one', 'two', 'three']);
    m.append([{ seq: 3, taskId: 't', contents: ' and more\nfour\n' }]);
    expect(m.lines).toEqual(['one', 'two', 'three and more', 'four']);
    expect(m.seqs).toEqual([1, 1, 2, 3]);
  });

  it('ignores parts it already holds, so a replayed part adds nothing twice', () => {
    const m = new LogModel();
    m.reset(
      range([
        [1, 'a\n'],
        [2, 'b\n'],
      ]),
    );
    expect(
      m.append([
        { seq: 2, taskId: 't', contents: 'b\n' },
        { seq: 3, taskId: 't', contents: 'c\n' },
      ]),
    ).toBe(1);
    expect(m.lines).toEqual(['a', 'b', 'c']);
  });

  it('prepends older parts and rejoins the line cut at the window start', () => {
    const m = new LogModel();
    m.reset(range([[3, 'ne 3\nline 4\n']], { firstLine: 2, hasBefore: true }));
    expect(m.lines).toEqual(['ne 3', 'line 4']);
    expect(
      m.prepend(
        range(
          [
            [1, 'line 1\n'],
            [2, 'line 2\nli'],
          ],
          { firstLine: 1 },
        ),
      ),
    ).toBe(2);
    expect(m.lines).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect(m.firstLine).toBe(1);
    expect(m.hasBefore).toBe(false);
    expect(m.indexOf(3)).toBe(2);
  });

  it('knows the line count of the whole log, not only of its window', () => {
    const m = new LogModel();
    m.reset(range([[9, 'x\ny\n']], { firstLine: 99_999, totalLines: 100_000 }));
    expect(m.totalLines).toBe(100_000);
    expect(m.windowEnd()).toBe(100_000);
  });
});

describe('terminal rendering', () => {
  it('draws a carriage-return progress bar as one line showing its last state', () => {
    expect(collapseCarriageReturns('\rprogress   0%\rprogress  50%\rprogress 100%')).toBe('progress 100%');
    expect(collapseCarriageReturns('done\r')).toBe('done');
    expect(plainText('\x1b[32mok\x1b[0m\x1b[2K\rfinal')).toBe('final');
  });

  it('turns ANSI colours into classes and 256-colour codes into inline colours', () => {
    expect(renderLine('plain')).toEqual([{ text: 'plain' }]);
    expect(renderLine('\x1b[1;31mred\x1b[0m text')).toEqual([
      { text: 'red', className: 'ansi-red ansi-bold' },
      { text: ' text' },
    ]);
    expect(renderLine('\x1b[38;5;196mx\x1b[0m')[0]).toEqual({
      text: 'x',
      style: { color: 'rgb(255, 0, 0)', backgroundColor: undefined },
    });
  });

  it('folds groups, keeping open the one still running and any holding an error', () => {
    const lines = [
      '::group::Build',
      'b1',
      '::endgroup::',
      '::group::Test',
      'ERROR: t1',
      '::endgroup::',
      '--- Deploy',
      'd1',
    ];
    const error = (t: string): boolean => t.startsWith('ERROR');
    const fold = foldLines(lines, new Set(), true, error);
    expect(fold.visible).toEqual([0, 3, 4, 5, 6, 7]);
    expect(fold.headers.get(0)).toEqual({ title: 'Build', open: false, size: 2 });
    expect(fold.headers.get(6)).toEqual({ title: 'Deploy', open: true, size: 1 });
    expect(foldLines(lines, new Set([0]), false, error).visible).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
