import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { client } from '../helpers/http.js';
import { startStandalone, type StandaloneProcess } from '../helpers/standalone.js';

describe('a standalone server killed with SIGKILL', () => {
  const servers: StandaloneProcess[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.kill();
  });

  it('finishes the interrupted job after a restart and keeps every acknowledged log line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drover-recovery-'));
    const marker = join(dataDir, 'second-started');
    const first = await startStandalone({ dataDir });
    servers.push(first);
    let api = client(first.url);

    const id = await (async () => {
      const res = await api.postYaml<{ id: string }>(`
name: interrupted
output: "{{ tasks.a }}-{{ tasks.b }}"
tasks:
  - name: a
    var: a
    run: |
      echo "log line from a"
      echo -n A > $TORK_OUTPUT
  - name: b
    var: b
    run: |
      n=$(cat ${marker} 2>/dev/null || echo 0); echo $((n + 1)) > ${marker}
      if [ "$n" = "0" ]; then sleep 30; fi
      echo -n B > $TORK_OUTPUT
`);
      expect(res.status).toBe(200);
      return res.body.id;
    })();
    // Jobs acknowledged just before the crash must survive it too.
    const queued: string[] = [];
    await waitFor(() => existsSync(marker), { timeoutMs: 15_000, message: 'task b to start' });
    for (let i = 0; i < 5; i++) queued.push(await api.submitFile(new URL('../../examples/hello.yaml', import.meta.url).pathname));
    await first.kill();

    const second = await startStandalone({ dataDir });
    servers.push(second);
    api = client(second.url);
    const job = await api.waitForJob(id);
    expect(job.state).toBe('COMPLETED');
    expect(job.result).toBe('A-B');
    const log = await api.get(`/jobs/${id}/log`);
    expect(log.body.items.map((p: any) => p.contents).join('')).toContain('log line from a');
    for (const queuedId of queued) {
      expect((await api.waitForJob(queuedId)).result).toBe('hello world');
    }
  });
});
