/**
 * The benchmark's pure logic: summarising samples, comparing figures with their limits and
 * targets, and rendering the table and the JSON. No I/O here, so it is unit-tested.
 */

/** One measured figure as written to `bench/results/latest.json`. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  unit: string;
  /** How many samples (rounds, or requests for latencies) the figure summarises. */
  samples: number;
  /** The figure divided by its limit, when it has one (see TARGETS). */
  ratio?: number;
  /** The target, as text (`≥ 0.9 × spawn.per_s`). */
  target?: string;
  /** Whether the target is met; absent when the figure has no target or its limit is missing. */
  ok?: boolean;
}

export type Results = Record<string, Figure>;

/** The sorted copy of finite samples. */
function sorted(samples: readonly number[]): number[] {
  return samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
}

/** The median (mean of the two middle values for an even count). Throws on no samples. */
export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  if (s.length === 0) throw new Error('median of no samples');
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The nearest-rank percentile `p` (0–100): the smallest sample with at least p % at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  const s = sorted(samples);
  if (s.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * s.length);
  return s[Math.max(0, rank - 1)]!;
}

/** median, min and max of the samples. */
export function summarize(samples: readonly number[], unit: string): Figure {
  const s = sorted(samples);
  if (s.length === 0) throw new Error('summary of no samples');
  return { median: median(s), min: s[0]!, max: s[s.length - 1]!, unit, samples: s.length };
}

/** A figure that is one value (e.g. a percentile, or a single reading). */
export function single(value: number, unit: string): Figure {
  return { median: value, min: value, max: value, unit, samples: 1 };
}

/** Work per second: `count` items done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/**
 * A target: the figure's median compared with `factor × limit`. `limit` computes the limit from
 * the other figures (undefined when they were not measured); a target without `limit` is absolute.
 */
export interface Target {
  figure: string;
  compare: 'ge' | 'le';
  factor: number;
  limit?: { describe: string; of: (results: Results) => number | undefined };
}

const medianOf = (name: string) => (r: Results) => r[name]?.median;
/** The time 100 spawns take at the machine's rate, in ms. */
const hundredSpawnsMs = (r: Results) => {
  const rate = r['spawn.per_s']?.median;
  return rate ? (100 / rate) * 1000 : undefined;
};

const SPAWN_RATE = { describe: 'spawn.per_s', of: medianOf('spawn.per_s') };
const SPAWN_LATENCY = { describe: 'spawn.latency_ms', of: medianOf('spawn.latency_ms') };
const HUNDRED_SPAWNS = { describe: '100 / spawn.per_s', of: hundredSpawnsMs };
const PG_COMMIT = { describe: 'commit.postgres_per_s', of: medianOf('commit.postgres_per_s') };

/** The targets of the issue, one per figure, for both modes. */
export const TARGETS: Target[] = [
  ...(['standalone', 'distributed'] as const).flatMap((mode): Target[] => [
    { figure: `${mode}.shell_tasks_per_s`, compare: 'ge', factor: 0.9, limit: SPAWN_RATE },
    { figure: `${mode}.latency_ms`, compare: 'le', factor: 1.5, limit: SPAWN_LATENCY },
    { figure: `${mode}.latency_p95_ms`, compare: 'le', factor: 3, limit: SPAWN_LATENCY },
    { figure: `${mode}.parallel100_ms`, compare: 'le', factor: 1.2, limit: HUNDRED_SPAWNS },
  ]),
  { figure: 'standalone.noop_tasks_per_s', compare: 'ge', factor: 2000 },
  { figure: 'distributed.noop_tasks_per_s', compare: 'ge', factor: 1, limit: PG_COMMIT },
  { figure: 'api.get_job_per_s', compare: 'ge', factor: 5000 },
  { figure: 'api.list_1m_ms', compare: 'le', factor: 20 },
  { figure: 'api.search_1m_ms', compare: 'le', factor: 20 },
  { figure: 'standalone.idle_rss_mb', compare: 'le', factor: 120 },
];

/**
 * Figures computed from measured ones (distributed run only):
 *
 * - `distributed.latency_floor_ms`: the least any one-task job costs from submit to COMPLETED
 *   when it is stored durably before it runs and after, and goes through the broker both ways:
 *   one spawn, two single-statement durable commits, two broker hops. Whatever the engine does
 *   on top adds to it; a latency target below it cannot be met on this machine.
 * - `distributed.noop_cpu_ms_per_task`: the CPU a no-op task costs all the processes it goes
 *   through (coordinator, worker, RabbitMQ, PostgreSQL), and `distributed.noop_cpu_bound_per_s`
 *   the rate at which that would keep all `cores` busy: no-op throughput cannot exceed it.
 */
export function deriveFigures(results: Results, cores: number): Results {
  const out: Results = { ...results };
  const m = (name: string) => results[name]?.median;
  const spawn = m('spawn.latency_ms');
  const commit = m('commit.postgres_statement_ms');
  const hop = m('broker.hop_ms');
  if (spawn !== undefined && commit !== undefined && hop !== undefined) {
    out['distributed.latency_floor_ms'] = single(spawn + 2 * commit + 2 * hop, 'ms');
  }
  const parts = NOOP_CPU_PARTS.map((part) => m(`distributed.noop_${part}cpu_ms_per_task`));
  if (!parts.includes(undefined)) {
    const total = (parts as number[]).reduce((sum, p) => sum + p, 0);
    out['distributed.noop_cpu_ms_per_task'] = single(total, 'ms');
    if (total > 0) out['distributed.noop_cpu_bound_per_s'] = single((cores * 1000) / total, 'tasks/s');
  }
  return out;
}

/** The processes a distributed no-op task costs CPU in, as named in its figures. */
export const NOOP_CPU_PARTS = ['server_', 'worker_', 'rabbitmq_', 'postgres_'] as const;

/** Figures shown as a ratio to a limit without a target of their own: they explain the ones that have one. */
export const REFERENCES: Array<{ figure: string; limit: NonNullable<Target['limit']> }> = [
  { figure: 'distributed.latency_floor_ms', limit: SPAWN_LATENCY },
  { figure: 'distributed.noop_cpu_bound_per_s', limit: PG_COMMIT },
];

/** A copy of the results with `ratio`, `target` and `ok` filled in from the targets. */
export function applyTargets(results: Results, targets: readonly Target[] = TARGETS): Results {
  const out: Results = {};
  for (const [name, figure] of Object.entries(results)) out[name] = { ...figure };
  for (const { figure: name, limit } of REFERENCES) {
    const figure = out[name];
    const of = limit.of(results);
    if (!figure || of === undefined || !(of > 0)) continue;
    figure.ratio = figure.median / of;
    figure.target = `(× ${limit.describe})`;
  }
  for (const target of targets) {
    const figure = out[target.figure];
    if (!figure) continue;
    const sign = target.compare === 'ge' ? '≥' : '≤';
    if (!target.limit) {
      figure.target = `${sign} ${target.factor} ${figure.unit}`;
      figure.ok = target.compare === 'ge' ? figure.median >= target.factor : figure.median <= target.factor;
      continue;
    }
    figure.target = `${sign} ${target.factor} × ${target.limit.describe}`;
    const limit = target.limit.of(results);
    if (limit === undefined || !(limit > 0)) continue;
    figure.ratio = figure.median / limit;
    figure.ok = target.compare === 'ge' ? figure.ratio >= target.factor : figure.ratio <= target.factor;
  }
  return out;
}

/** A number with about three significant digits, without exponent notation. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toString();
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

/** The results as a plain-text table: figure, median, min–max, unit, ratio, target, verdict. */
export function renderTable(results: Results): string {
  const header = ['figure', 'median', 'min–max', 'unit', 'ratio', 'target', ''];
  const rows = Object.entries(results).map(([name, f]) => [
    name,
    formatNumber(f.median),
    `${formatNumber(f.min)}–${formatNumber(f.max)}`,
    f.unit,
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    f.target ?? '',
    f.ok === undefined ? '' : f.ok ? 'ok' : 'MISS',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = new Set([1, 2, 4]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The JSON written to `latest.json`: figures in a stable order, numbers rounded to 4 decimals. */
export function toJson(results: Results): string {
  const round = (n: number) => Math.round(n * 10_000) / 10_000;
  const out: Record<string, Figure> = {};
  for (const name of Object.keys(results).sort()) {
    const f = results[name]!;
    const figure: Figure = { median: round(f.median), min: round(f.min), max: round(f.max), unit: f.unit, samples: f.samples };
    if (f.ratio !== undefined) figure.ratio = round(f.ratio);
    if (f.target !== undefined) figure.target = f.target;
    if (f.ok !== undefined) figure.ok = f.ok;
    out[name] = figure;
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** `latest.json`'s dated twin: `2024-05-01T10-20-30Z.json` (no colons, safe on every file system). */
export function datedFileName(at: Date): string {
  return `${at.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')}.json`;
}
