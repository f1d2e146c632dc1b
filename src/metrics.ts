/**
 * A small metrics registry rendered in Prometheus' text exposition format (version 0.0.4).
 * Counters and histograms live in the process that observes them (the coordinator counts what
 * it handles); gauges are computed at scrape time by whoever renders (`api/routes/metrics.ts`).
 * No dependency: the format is a few lines per family.
 */

export type Labels = Record<string, string>;

/** `name{a="x",b="y"}`, label values escaped as the format asks. */
function series(name: string, labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return name;
  const text = entries.map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
  );
  return `${name}{${text.join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

/** One sample of a gauge computed at scrape time. */
export interface Sample {
  labels?: Labels;
  value: number;
}

/** A gauge family from samples computed at scrape time. */
export function renderGauge(name: string, help: string, samples: Sample[]): string {
  return (
    header(name, help, 'gauge') +
    samples.map((s) => `${series(name, s.labels)} ${formatValue(s.value)}\n`).join('')
  );
}

interface Metric {
  render(): string;
}

/** A monotonically increasing count, per label set. */
export class Counter implements Metric {
  private readonly values = new Map<string, { labels?: Labels; value: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  inc(labels?: Labels, by = 1): void {
    const key = series('', labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  /** The current value for a label set (0 when never incremented). */
  get(labels?: Labels): number {
    return this.values.get(series('', labels))?.value ?? 0;
  }

  render(): string {
    const lines = [...this.values.values()].map(
      (e) => `${series(this.name, e.labels)} ${formatValue(e.value)}\n`,
    );
    return header(this.name, this.help, 'counter') + lines.join('');
  }
}

/** Observations counted into cumulative buckets (`le`), with their sum and count, per label set. */
export class Histogram implements Metric {
  private readonly values = new Map<
    string,
    { labels?: Labels; buckets: number[]; sum: number; count: number }
  >();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  observe(value: number, labels?: Labels): void {
    const key = series('', labels);
    let entry = this.values.get(key);
    if (!entry) {
      entry = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.values.set(key, entry);
    }
    this.bounds.forEach((bound, i) => {
      if (value <= bound) entry.buckets[i]! += 1;
    });
    entry.sum += value;
    entry.count += 1;
  }

  render(): string {
    let out = header(this.name, this.help, 'histogram');
    for (const e of this.values.values()) {
      this.bounds.forEach((bound, i) => {
        out += `${series(`${this.name}_bucket`, { ...e.labels, le: formatValue(bound) })} ${e.buckets[i]}\n`;
      });
      out += `${series(`${this.name}_bucket`, { ...e.labels, le: '+Inf' })} ${e.count}\n`;
      out += `${series(`${this.name}_sum`, e.labels)} ${formatValue(e.sum)}\n`;
      out += `${series(`${this.name}_count`, e.labels)} ${e.count}\n`;
    }
    return out;
  }
}

/** The metrics of one process, in registration order. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  /** The counter called `name`, created on first use (so two users share one family). */
  counter(name: string, help: string): Counter {
    return this.register(name, () => new Counter(name, help)) as Counter;
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.register(name, () => new Histogram(name, help, bounds)) as Histogram;
  }

  /** Every family, in the text format. */
  render(): string {
    return [...this.metrics.values()].map((m) => m.render()).join('');
  }

  private register(name: string, create: () => Metric): Metric {
    let metric = this.metrics.get(name);
    if (!metric) {
      metric = create();
      this.metrics.set(name, metric);
    }
    return metric;
  }
}
