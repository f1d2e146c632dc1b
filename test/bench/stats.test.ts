import { describe, expect, it } from 'vitest';
import {
  applyTargets,
  datedFileName,
  deriveFigures,
  median,
  percentile,
  perSecond,
  renderTable,
  single,
  summarize,
  toJson,
  type Results,
} from '../../bench/stats.js';

describe('benchmark statistics', () => {
  it('takes the middle sample as the median of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('averages the two middle samples as the median of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('gives the nearest-rank percentile', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
  });

  it('summarises samples as median, min, max, unit and count, ignoring non-finite ones', () => {
    expect(summarize([3, 1, Number.NaN, 2, 10], 'ms')).toEqual({ median: 2.5, min: 1, max: 10, unit: 'ms', samples: 4 });
  });

  it('refuses to summarise no samples', () => {
    expect(() => summarize([], 'ms')).toThrow('summary of no samples');
    expect(() => median([])).toThrow('median of no samples');
  });

  it('turns a count and a duration into a rate per second', () => {
    expect(perSecond(500, 250)).toBe(2000);
    expect(perSecond(5, 0)).toBe(0);
  });
});

describe('benchmark targets', () => {
  const results: Results = {
    'spawn.per_s': summarize([400, 500, 450], 'proc/s'),
    'spawn.latency_ms': single(2, 'ms'),
    'standalone.shell_tasks_per_s': single(405, 'tasks/s'),
    'standalone.latency_ms': single(4, 'ms'),
    'standalone.parallel100_ms': single(240, 'ms'),
    'standalone.noop_tasks_per_s': single(1500, 'tasks/s'),
    'distributed.noop_tasks_per_s': single(900, 'tasks/s'),
  };

  it('divides a figure by its limit and checks the target', () => {
    const out = applyTargets(results);
    expect(out['standalone.shell_tasks_per_s']).toMatchObject({ ratio: 0.9, ok: true, target: '≥ 0.9 × spawn.per_s' });
    expect(out['standalone.latency_ms']).toMatchObject({ ratio: 2, ok: false, target: '≤ 1.5 × spawn.latency_ms' });
  });

  it('measures the fan-out against the time 100 spawns take at the machine rate', () => {
    // 100 spawns at 450/s take 222 ms; 240 ms is 1.08 × that.
    expect(applyTargets(results)['standalone.parallel100_ms']!.ratio).toBeCloseTo(1.08, 2);
  });

  it('checks an absolute target without a ratio', () => {
    expect(applyTargets(results)['standalone.noop_tasks_per_s']).toMatchObject({ ok: false, target: '≥ 2000 tasks/s' });
    expect(applyTargets(results)['standalone.noop_tasks_per_s']!.ratio).toBeUndefined();
  });

  it('leaves the verdict out when the limit was not measured', () => {
    const out = applyTargets(results)['distributed.noop_tasks_per_s']!;
    expect(out.target).toBe('≥ 1 × commit.postgres_per_s');
    expect(out.ok).toBeUndefined();
  });

  it('does not change the results it is given', () => {
    applyTargets(results);
    expect(results['standalone.latency_ms']!.ratio).toBeUndefined();
  });
});

describe('figures derived from measured ones', () => {
  const measured: Results = {
    'spawn.latency_ms': single(2.5, 'ms'),
    'commit.postgres_statement_ms': summarize([0.2, 0.25, 0.3], 'ms'),
    'broker.hop_ms': single(0.4, 'ms'),
    'commit.postgres_per_s': single(1500, 'tx/s'),
    'distributed.noop_server_cpu_ms_per_task': single(0.75, 'ms'),
    'distributed.noop_worker_cpu_ms_per_task': single(0.2, 'ms'),
    'distributed.noop_rabbitmq_cpu_ms_per_task': single(0.65, 'ms'),
    'distributed.noop_postgres_cpu_ms_per_task': single(0.4, 'ms'),
  };

  it('adds up the latency floor: a spawn, two durable statements and two broker hops', () => {
    // 2.5 + 2 × 0.25 + 2 × 0.4
    expect(deriveFigures(measured, 2)['distributed.latency_floor_ms']).toMatchObject({ median: 3.8, unit: 'ms' });
  });

  it('bounds the no-op rate by the CPU its processes need and the cores there are', () => {
    const out = deriveFigures(measured, 2);
    expect(out['distributed.noop_cpu_ms_per_task']!.median).toBeCloseTo(2, 6);
    expect(out['distributed.noop_cpu_bound_per_s']!.median).toBeCloseTo(1000, 6);
    expect(deriveFigures(measured, 4)['distributed.noop_cpu_bound_per_s']!.median).toBeCloseTo(2000, 6);
  });

  it('derives nothing from what was not measured', () => {
    const partial: Results = { ...measured };
    delete partial['broker.hop_ms'];
    delete partial['distributed.noop_postgres_cpu_ms_per_task'];
    const out = deriveFigures(partial, 2);
    expect(out['distributed.latency_floor_ms']).toBeUndefined();
    expect(out['distributed.noop_cpu_bound_per_s']).toBeUndefined();
    expect(Object.keys(out)).toEqual(Object.keys(partial));
  });

  it('shows the floors as ratios to the limits of the targets they explain, without a verdict', () => {
    const out = applyTargets(deriveFigures(measured, 2));
    expect(out['distributed.latency_floor_ms']).toMatchObject({ ratio: 1.52, target: '(× spawn.latency_ms)' });
    expect(out['distributed.latency_floor_ms']!.ok).toBeUndefined();
    expect(out['distributed.noop_cpu_bound_per_s']!.ratio).toBeCloseTo(0.667, 3);
    expect(out['distributed.noop_cpu_bound_per_s']!.ok).toBeUndefined();
  });
});

describe('benchmark output', () => {
  const results = applyTargets({
    'spawn.per_s': summarize([400, 500], 'proc/s'),
    'standalone.shell_tasks_per_s': summarize([350.123456, 370], 'tasks/s'),
  });

  it('writes every figure as median, min, max and unit, sorted by name, rounded', () => {
    const json = JSON.parse(toJson(results)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(json)).toEqual(['spawn.per_s', 'standalone.shell_tasks_per_s']);
    expect(json['standalone.shell_tasks_per_s']).toEqual({
      median: 360.0617,
      min: 350.1235,
      max: 370,
      unit: 'tasks/s',
      samples: 2,
      ratio: 0.8001,
      target: '≥ 0.9 × spawn.per_s',
      ok: false,
    });
    expect(json['spawn.per_s']).toEqual({ median: 450, min: 400, max: 500, unit: 'proc/s', samples: 2 });
  });

  it('prints one aligned row per figure with its ratio and verdict', () => {
    const lines = renderTable(results).split('\n');
    expect(lines[0]).toMatch(/^figure\s+median\s+min–max\s+unit\s+ratio\s+target$/);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^standalone\.shell_tasks_per_s\s+360\s+350–370\s+tasks\/s\s+0\.80×\s+≥ 0\.9 × spawn\.per_s\s+MISS$/);
    // Numbers are right-aligned: each row's median ends where the header's does.
    const end = lines[0]!.indexOf('median') + 'median'.length;
    expect(lines[2]!.slice(0, end)).toMatch(/ 450$/);
    expect(lines[3]!.slice(0, end)).toMatch(/ 360$/);
  });

  it('names the dated copy after the start time, without colons', () => {
    expect(datedFileName(new Date('2024-05-01T10:20:30.456Z'))).toBe('2024-05-01T10-20-30Z.json');
  });
});
