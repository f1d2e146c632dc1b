import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { client } from '../helpers/http.js';
import { engineGet, podman, requirePodman, resourcesOf, TEST_IMAGE } from '../helpers/podman.js';
import { startStandalone, type StandaloneProcess } from '../helpers/standalone.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/container/', import.meta.url));
/** The image the container examples name; the local test image stands in for it (no registry here). */
const EXAMPLE_IMAGE = 'docker.io/library/busybox:1.36';

type Api = ReturnType<typeof client>;
const logText = async (api: Api, path: string): Promise<string> =>
  (await api.get(path)).body.items
    .map((p: any) => p.contents)
    .reverse()
    .join('');

/** What each container example must end as. Every file in examples/container/ needs an entry. */
const EXPECTED: Record<string, { result: string; check?: (job: any, api: Api) => Promise<void> }> = {
  'hello.yaml': {
    result: 'hello from a container',
    check: async (job, api) => {
      expect(await logText(api, `/tasks/${job.execution[0].id}/log`)).toBe('running as root in /\n');
    },
  },
  'volumes.yaml': {
    result: '5 words',
    check: async (job, api) => {
      expect(job.execution.map((t: any) => t.result ?? '')).toEqual(['5 words', '']);
      expect(await logText(api, `/tasks/${job.execution[0].id}/log`)).toBe('input.txt\n');
      expect(await logText(api, `/tasks/${job.execution[1].id}/log`)).toBe(
        '/app/app.conf says greeting=hi\n',
      );
    },
  },
  'sidecar.yaml': { result: '42' },
};

const ready = await requirePodman('test/e2e/container.test.ts');

describe.runIf(ready)('examples/container/ on `drover run standalone` with the podman runtime', () => {
  const workerName = `e2e-${randomUUID().slice(0, 8)}`;
  let server: StandaloneProcess;
  let api: Api;

  beforeAll(async () => {
    if ((await engineGet(`/images/${encodeURIComponent(EXAMPLE_IMAGE)}/json`)).status === 404) {
      await podman('tag', TEST_IMAGE, EXAMPLE_IMAGE);
    }
    server = await startStandalone({
      env: { DROVER_RUNTIME_TYPE: 'podman', DROVER_WORKER_NAME: workerName },
    });
    api = client(server.url);
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    // The example tag stays: another run of this file on the machine may be using it now.
  });

  it('says at start-up that it runs tasks in podman containers', () => {
    const line = server
      .logs()
      .split('\n')
      .find((l) => l.includes('"runtime selected"'));
    expect(JSON.parse(line!)).toMatchObject({ runtime: 'podman' });
  });

  it('has an expectation for every container example', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`runs ${file} to COMPLETED`, async () => {
      const job = await api.waitForJob(await api.submitFile(join(EXAMPLES, file)), undefined, 60_000);
      expect(job.state, JSON.stringify(job.execution?.map((t: any) => [t.state, t.error]))).toBe('COMPLETED');
      expect(job.result ?? '').toBe(expected.result);
      await expected.check?.(job, api);
      expect(await resourcesOf(workerName)).toEqual([]);
    });
  }

  it('cancels a running job and removes its container', async () => {
    const res = await api.postJson({
      name: 'long',
      tasks: [
        { name: 'sleep', image: EXAMPLE_IMAGE, networks: ['none'], run: 'echo started; exec sleep 300' },
      ],
    });
    expect(res.status).toBe(200);
    const id = (res.body as { id: string }).id;
    await waitFor(async () => (await resourcesOf(workerName)).some((r) => r.endsWith('(running)')), {
      timeoutMs: 30_000,
      message: 'the task container to run',
    });
    expect((await api.put(`/jobs/${id}/cancel`)).status).toBe(200);
    const job = await api.waitForJob(id, ['CANCELLED']);
    expect(job.state).toBe('CANCELLED');
    await waitFor(async () => (await resourcesOf(workerName)).length === 0, {
      message: 'the container to be removed',
    });
  });
});
