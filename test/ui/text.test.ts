import { describe, expect, it } from 'vitest';
import { describeCron } from '../../src/api/ui/cron-words.js';
import { cronPreview } from '../../src/api/ui/editor.js';
import { LineScanner, visibleText, type ScannedLine } from '../../src/api/ui/log-text.js';
import { splitPath, yamlLocator } from '../../src/api/ui/yaml-positions.js';
import { parse } from 'yaml';
import { formatDuration, formatRelative, formatTime } from '../../ui/src/lib/format.js';
import { toYaml } from '../../ui/src/editor/yaml-out.js';
import { reproduceCommand } from '../../ui/src/job/reproduce.js';

describe('server-side log lines', () => {
  it('numbers lines across part boundaries and names the part each starts in', () => {
    const out: ScannedLine[] = [];
    const s = new LineScanner(10);
    s.push(1, 'a\nb', (l) => out.push(l));
    s.push(2, 'c\nd\n', (l) => out.push(l));
    s.push(3, 'e', (l) => out.push(l));
    s.end((l) => out.push(l));
    expect(out).toEqual([
      { line: 10, seq: 1, text: 'a' },
      { line: 11, seq: 1, text: 'bc' },
      { line: 12, seq: 2, text: 'd' },
      { line: 13, seq: 3, text: 'e' },
    ]);
  });

  it('searches what a terminal shows, not the escape codes', () => {
    expect(visibleText('\x1b[31mred\x1b[0m')).toBe('red');
    expect(visibleText('50%\r100%')).toBe('100%');
  });
});

describe('the editor helpers', () => {
  it('finds a field path in the YAML text', () => {
    expect(splitPath('tasks[1].env["MY VAR"]')).toEqual(['tasks', 1, 'env', 'MY VAR']);
    const locate = yamlLocator('name: x\ntasks:\n  - name: a\n    retry:\n      limit: 99\n');
    expect(locate('tasks[0].retry.limit')).toEqual({ line: 5, col: 14, endLine: 5, endCol: 16 });
    expect(locate('tasks[0].retry.limit', true)).toEqual({ line: 5, col: 7, endLine: 5, endCol: 12 });
    expect(locate('tasks[0].image')).toEqual({ line: 3, col: 5, endLine: 3, endCol: 5 });
  });

  it('says a cron in words and lists its next runs', () => {
    expect(describeCron('0 2 * * *')).toBe('at 02:00 every day');
    expect(describeCron('*/15 * * * *')).toBe('every 15 minutes');
    expect(describeCron('30 9 * * MON-FRI')).toBe('at 09:30 on Monday to Friday');
    expect(describeCron('@hourly')).toBe('every hour, on the hour');
    expect(describeCron('CRON_TZ=Europe/Paris 0 8 1 * *')).toBe(
      'at 08:00 on day 1 of the month (Europe/Paris time)',
    );
    const preview = cronPreview('0 2 * * *', 3, new Date('2026-01-01T00:00:00Z'));
    expect(preview.next).toHaveLength(3);
    expect(cronPreview('0 0 30 2 *')).toEqual({
      ok: false,
      error: '"0 0 30 2 *" never fires (no date matches it)',
      next: [],
    });
  });

  it('writes a definition read back as JSON as YAML that parses to the same value', () => {
    const def = {
      name: 'a: b',
      tags: ['x', 'true'],
      tasks: [
        { name: 'one', run: 'echo 1\necho 2\n', env: { A: '' } },
        { name: 'two', retry: { limit: 2 } },
      ],
    };
    expect(parse(toYaml(def))).toEqual(def);
  });

  it('writes a reproduce command with secrets as placeholders', () => {
    expect(reproduceCommand({ run: "echo 'hi'", env: { A: 'x y', TOKEN: '[REDACTED]' } })).toBe(
      `env A='x y' TOKEN="$TOKEN" bash -c 'echo '\\''hi'\\'''`,
    );
    expect(
      reproduceCommand({ image: 'alpine:3', run: 'ls', env: { K: 'v' }, limits: { memory: '1g' } }),
    ).toBe('docker run --rm \\\n  -e K=v \\\n  --memory 1g \\\n  alpine:3 \\\n  sh -c ls');
  });
});

describe('time formatting', () => {
  it('prints times in the one chosen zone and durations in the largest sensible unit', () => {
    const t = Date.UTC(2026, 10, 28, 14, 3, 7);
    expect(formatTime(t, 'utc')).toBe('2026-11-28 14:03:07Z');
    expect(formatTime(t, 'local')).toMatch(/^2026-11-2\d \d\d:03:07$/);
    expect([340, 12_400, 185_000, 7_500_000, 90 * 3_600_000].map(formatDuration)).toEqual([
      '340 ms',
      '12 s',
      '3m 05s',
      '2h 05m',
      '3d 18h',
    ]);
    expect(formatRelative(t - 42_000, t)).toBe('42 s ago');
    expect(formatRelative(t + 300_000, t)).toBe('in 5 min');
  });
});
