/**
 * Run by postgres.test.ts in child processes (through vite-node): open the schema given as the
 * second argument, say `ready`, wait for the file given as the third, then migrate, write one
 * job and exit 0. The start signal makes several processes migrate one schema at the same moment.
 */
import { existsSync } from 'node:fs';
import { waitFor } from '../../src/async.js';
import { PostgresDatastore } from '../../src/datastore/postgres.js';
import { newId } from '../../src/model/ids.js';

const [dsn, schema, signal] = process.argv.slice(2);
if (!dsn || !schema || !signal) throw new Error('usage: postgres-migrate-child.ts <dsn> <schema> <start file>');
const ds = new PostgresDatastore({ dsn, schema, maxConnections: 2 });
process.stdout.write('ready\n');
await waitFor(() => existsSync(signal), { intervalMs: 1, message: 'the start signal' });
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
