import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../dist/young-generation.js', import.meta.url));

/**
 * A fresh node process that allocates like a start-up (keeping a third of 600,000 objects), inside
 * `withYoungGenerationHeld` or not, then like a server under load (keeping none); it prints the
 * young generation's committed size, in MB, after each.
 */
function youngGenerationSizes(held: boolean, execArgv: string[] = []): { started: number; loaded: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { withYoungGenerationHeld } from ${JSON.stringify(MODULE)};
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').physical_space_size / 2 ** 20;
    const allocate = (count, keepEvery) => {
      const kept = [];
      for (let i = 0; i < count; i++) {
        const o = { i, text: 'item ' + i, pair: [i, i] };
        if (keepEvery && i % keepEvery === 0) kept.push(o);
      }
      return kept;
    };
    let kept;
    const startUp = async () => { kept = allocate(600_000, 3); };
    await (${held} ? withYoungGenerationHeld(startUp) : startUp());
    const started = size();
    for (let round = 0; round < 30; round++) allocate(200_000, 50);
    console.log(JSON.stringify({ started, loaded: size(), kept: kept.length }));
  `;
  const out = execFileSync(process.execPath, [...execArgv, '--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as { started: number; loaded: number };
}

describe('withYoungGenerationHeld', () => {
  it('keeps the young generation small through start-up, then lets it grow under load', () => {
    const free = youngGenerationSizes(false);
    const held = youngGenerationSizes(true);
    expect(free.started).toBeGreaterThanOrEqual(8);
    expect(held.started).toBeLessThanOrEqual(4);
    expect(held.loaded).toBeGreaterThan(held.started);
  });

  it('leaves the young generation alone when node was given its own setting', () => {
    const tuned = youngGenerationSizes(true, ['--semi-space-growth-factor=2']);
    expect(tuned.started).toBeGreaterThanOrEqual(8);
  });
});
