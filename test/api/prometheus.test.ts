import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { startTestEngine } from '../helpers/engine.js';

/** `name{labels} value` lines as a map from series to value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

describe('GET /metrics in Prometheus text', () => {
  let t: Awaited<ReturnType<typeof startTestEngine>>;
  let receiver: Server;
  let hookUrl: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    t = await startTestEngine({}, { tuning: { webhooks: { pollMs: 50 } } });
  });
  afterAll(async () => {
    await t.engine.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  async function scrape(path = '/metrics', accept = 'text/plain;version=0.0.4') {
    const res = await fetch(t.engine.url + path, { headers: { accept } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  it('counts jobs and tasks by state, task durations, retries, queues and webhook deliveries', async () => {
    const flaky = `${t.dir}/prom-flaky`;
    const res = await t.api.postYaml(`
name: measured
webhooks:
  - url: ${hookUrl}
    if: "{{ job.State == 'COMPLETED' }}"
tasks:
  - name: flaky
    retry:
      limit: 1
    run: "[ -f ${flaky} ] || { touch ${flaky}; exit 1; }"
  - name: fine
    run: "true"
`);
    await t.api.waitForJob(res.body.id);
    const failing = await t.api.postYaml('name: broken\ntasks:\n  - name: no\n    run: exit 2\n');
    await t.api.waitForJob(failing.body.id);

    const m = await waitFor(
      async () => {
        const s = samples((await scrape()).text);
        return s.get('drover_webhook_deliveries_total{outcome="delivered"}') === 1 ? s : undefined;
      },
      { message: 'the webhook to be delivered' },
    );
    expect(m.get('drover_jobs_finished_total{state="COMPLETED"}')).toBe(1);
    expect(m.get('drover_jobs_finished_total{state="FAILED"}')).toBe(1);
    expect(m.get('drover_tasks_finished_total{state="COMPLETED"}')).toBe(2);
    expect(m.get('drover_tasks_finished_total{state="FAILED"}')).toBe(2);
    expect(m.get('drover_task_retries_total')).toBe(1);
    expect(m.get('drover_task_duration_seconds_count{state="COMPLETED"}')).toBe(2);
    expect(m.get('drover_task_duration_seconds_bucket{state="COMPLETED",le="+Inf"}')).toBe(2);
    expect(m.get('drover_task_duration_seconds_count{state="FAILED"}')).toBe(2);
    for (const state of ['PENDING', 'SCHEDULED', 'RUNNING'])
      expect(m.get(`drover_jobs{state="${state}"}`)).toBe(0);
    for (const state of ['CREATED', 'PENDING', 'SCHEDULED', 'RUNNING'])
      expect(m.get(`drover_tasks{state="${state}"}`)).toBe(0);
    expect(m.get('drover_queue_messages{queue="default"}')).toBe(0);
    expect(m.get('drover_queue_consumers{queue="default"}')).toBe(1);
    expect(m.get('drover_queue_consumers{queue="completed"}')).toBe(1);
    expect(m.get('drover_nodes_online')).toBe(2);
  });

  it('shows running work as it runs', async () => {
    const res = await t.api.postYaml('name: busy\ntasks:\n  - name: wait\n    run: sleep 30\n');
    await t.api.waitForJob(res.body.id, ['RUNNING']);
    const m = samples((await scrape('/metrics/prometheus')).text);
    expect(m.get('drover_jobs{state="RUNNING"}')).toBe(1);
    expect(m.get('drover_tasks{state="RUNNING"}')).toBe(1);
    await t.api.put(`/jobs/${res.body.id}/cancel`);
    await t.api.waitForJob(res.body.id, ['CANCELLED']);
    const after = samples((await scrape()).text);
    expect(after.get('drover_jobs_finished_total{state="CANCELLED"}')).toBe(1);
    expect(after.get('drover_tasks_finished_total{state="CANCELLED"}')).toBe(1);
  });

  it('answers text with the Prometheus content type and help lines, and JSON by default', async () => {
    const text = await scrape();
    expect(text.status).toBe(200);
    expect(text.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.text).toContain('# TYPE drover_task_duration_seconds histogram\n');
    expect(text.text).toContain('# HELP drover_jobs Jobs in each active state.\n');
    const openMetrics = await scrape(
      '/metrics',
      'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    );
    expect(openMetrics.type).toBe(text.type);
    const always = await scrape('/metrics/prometheus', 'application/json');
    expect(always.type).toBe(text.type);

    for (const accept of ['', 'application/json', 'application/json, text/plain, */*', '*/*']) {
      const json = await scrape('/metrics', accept);
      expect(json.type).toBe('application/json');
      expect(Object.keys(JSON.parse(json.text))).toEqual(['jobs', 'tasks', 'nodes']);
    }
  });
});
