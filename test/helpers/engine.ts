import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { startEngine, type Engine, type EngineTuning } from '../../src/engine.js';
import { silentLogger } from '../../src/logger.js';
import { client } from './http.js';

/**
 * A real standalone engine inside the test process: SQLite file in a temp dir, in-memory
 * broker, shell runtime, HTTP on a free loopback port.
 */
export async function startTestEngine(env: Record<string, string> = {}, options: { tuning?: EngineTuning } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'drover-engine-'));
  const { config } = loadConfig({
    cwd: dir,
    homedir: dir,
    env: {
      DROVER_COORDINATOR_ADDRESS: '127.0.0.1:0',
      DROVER_DATASTORE_SQLITE_PATH: join(dir, 'drover.db'),
      DROVER_WORKER_QUEUES_DEFAULT: '4',
      ...env,
    },
  });
  const engine: Engine = await startEngine({ config, mode: 'standalone', logger: silentLogger(), tuning: options.tuning });
  return { engine, dir, config, api: client(engine.url!) };
}
