import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseTempBase } from '../../src/runtime/shell/temp-base.js';
import { client } from '../helpers/http.js';
import { startStandalone, type StandaloneProcess } from '../helpers/standalone.js';

/** Where a task's script ran, as its result. */
const PWD_JOB = { name: 'where', wait: { timeout: '20s' }, tasks: [{ name: 'pwd', run: 'pwd > $TORK_OUTPUT' }] };

describe('shell work dirs of `drover run standalone`', () => {
  const servers: StandaloneProcess[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'drover-tempdir-e2e-'));
  afterAll(async () => {
    for (const server of servers) expect(await server.stop()).toBe(0);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('go under runtime.shell.tempdir when it is set, and are removed after the task', async () => {
    const server = await startStandalone({ env: { DROVER_RUNTIME_SHELL_TEMPDIR: scratch } });
    servers.push(server);
    const res = await client(server.url).postJson<{ state: string; execution: Array<{ result: string }> }>(PWD_JOB);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('COMPLETED');
    expect(res.body.execution[0]!.result.trim()).toMatch(new RegExp(`^${scratch}/drover-[A-Za-z0-9]+$`));
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('go under the base chosen at start when it is unset (no TMPDIR either)', async () => {
    const server = await startStandalone();
    servers.push(server);
    const res = await client(server.url).postJson<{ state: string; execution: Array<{ result: string }> }>(PWD_JOB);
    expect(res.body.state).toBe('COMPLETED');
    const base = chooseTempBase({ configured: '', env: {} });
    expect(res.body.execution[0]!.result.trim().startsWith(`${base}/drover-`)).toBe(true);
  });
});
