/**
 * Run by sqlite.test.ts in child processes (through vite-node): open the file given as the first
 * argument, say `ready`, wait for the file `<path>.go`, then migrate, write one job and exit 0.
 * The start signal makes several processes migrate one file at the same moment.
 */
import { existsSync } from 'node:fs';
import { waitFor } from '../../src/async.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { newId } from '../../src/model/ids.js';

const path = process.argv[2];
if (!path) throw new Error('usage: migrate-child.ts <database file>');
const ds = new SqliteDatastore({ path });
process.stdout.write('ready\n');
await waitFor(() => existsSync(`${path}.go`), { intervalMs: 1, message: 'the start signal' });
await ds.migrate();
await ds.createJob({
  id: newId(),
  name: `from process ${process.pid}`,
  state: 'PENDING',
  createdAt: new Date(),
  tasks: [],
  position: 0,
  context: {},
  taskCount: 0,
});
await ds.close();
process.stdout.write('migrated\n');
