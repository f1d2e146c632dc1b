import { cpus } from 'node:os';

/** Host CPU use in percent since the previous call (0 on the first). */
export function cpuSampler(): () => number {
  let last = snapshot();
  return () => {
    const now = snapshot();
    const idle = now.idle - last.idle;
    const total = now.total - last.total;
    last = now;
    return total > 0 ? Math.round((1 - idle / total) * 10000) / 100 : 0;
  };
}

function snapshot(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}
