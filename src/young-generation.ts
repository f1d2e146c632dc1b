import { setFlagsFromString } from 'node:v8';

/** V8's own `--semi-space-growth-factor`, which `start` returns to. */
const V8_GROWTH_FACTOR = 2;

/**
 * Run `start` with V8's young generation (its "new space") kept at the size it has, then let it
 * grow again as V8 would.
 *
 * Why: starting the engine (loading its modules, opening the datastore) keeps most of what it
 * allocates, and V8 answers that high survival rate by growing the young generation to its
 * maximum, about 25 MB here. An idle server then holds those pages, mostly empty, until V8's
 * memory reducer gives them back some 30 s later: a fifth of Drover's memory at rest. Once
 * `start` is done, the young generation grows under load exactly as before, so throughput is
 * the same. Left alone when the user tunes the young generation in NODE_OPTIONS or node's flags.
 */
export async function withYoungGenerationHeld<T>(start: () => Promise<T>): Promise<T> {
  if (tunedByUser()) return start();
  setFlagsFromString('--semi-space-growth-factor=1');
  try {
    return await start();
  } finally {
    setFlagsFromString(`--semi-space-growth-factor=${V8_GROWTH_FACTOR}`);
  }
}

function tunedByUser(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /semi[-_]space/.test(flags);
}
