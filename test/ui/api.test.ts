/**
 * `/ui/` and `/ui/api/*` over a real socket on an in-process standalone engine: assets, the
 * read-only endpoints with their unhappy paths, and the event stream's cursor guarantees.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import { startTestEngine } from '../helpers/engine.js';
import type { client } from '../helpers/http.js';

let engine: Engine;
let api: ReturnType<typeof client>;
let url: string;
let jobId: string;
let taskId: string;

beforeAll(async () => {
  ({ engine, api } = await startTestEngine());
  url = engine.url!;
  jobId = (
    await api.postYaml<{ id: string }>(
      'name: lines\ntasks:\n  - name: print\n    run: for i in $(seq 1 2000); do echo "row $i"; done; printf "no newline at the end"\n',
    )
  ).body.id;
  const job = await api.waitForJob(jobId);
  taskId = job.execution[0].id;
});

afterAll(async () => {
  await engine?.close();
});

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Read a stream until `done` says so (or `timeoutMs` pass); returns the events seen. */
async function readStream(
  path: string,
  done: (events: SseEvent[]) => boolean,
  headers: Record<string, string> = {},
  timeoutMs = 5000,
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const res = await fetch(url + path, { signal: controller.signal, headers });
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store, no-transform');
  const reader = res.body!.getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(events) && Date.now() < deadline) {
      const { value, done: ended } = await Promise.race([
        reader.read(),
        new Promise<{ value: undefined; done: true }>((r) =>
          setTimeout(() => r({ value: undefined, done: true }), deadline - Date.now()),
        ),
      ]);
      if (ended || !value) break;
      buffer += new TextDecoder().decode(value);
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          const [key, ...rest] = line.split(': ');
          if (key === 'id' || key === 'event' || key === 'data') event[key] = rest.join(': ');
        }
        if (event.event) events.push(event);
      }
    }
  } finally {
    controller.abort();
  }
  return events;
}

describe('the web UI server', () => {
  it('serves the app on every UI path, and its hashed assets precompressed and cached for good', async () => {
    for (const path of ['/ui/', '/ui/jobs/abc?view=logs']) {
      const res = await fetch(url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="root"></div>');
    }
    const html = readFileSync(new URL('../../ui/dist/index.html', import.meta.url), 'utf8');
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const res = await fetch(url + asset, { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await api.get('/ui/assets/missing.js')).status).toBe(404);
    expect(await api.get('/ui/api/nope')).toMatchObject({ status: 404, body: { message: 'Not Found' } });
  });

  it('answers the job list with filters and refuses an unknown state by name', async () => {
    const list = await api.get('/ui/api/jobs?state=COMPLETED,FAILED&limit=5');
    expect(list.status).toBe(200);
    expect(list.body.items.map((j: { id: string }) => j.id)).toContain(jobId);
    expect(list.body.cursor).toMatch(/^[0-9a-f]+:\d+$/);
    expect((await api.get('/ui/api/jobs?state=RUNNING')).body.items).toEqual([]);
    expect(await api.get('/ui/api/jobs?state=NOPE')).toMatchObject({
      status: 400,
      body: {
        message:
          'state: unknown state "NOPE" (allowed: PENDING, SCHEDULED, RUNNING, COMPLETED, FAILED, CANCELLED)',
      },
    });
    expect(await api.get('/ui/api/jobs?since=yesterday')).toMatchObject({
      status: 400,
      body: { message: 'since: is not a date: "yesterday"' },
    });
  });

  it('answers a snapshot with an ETag and a 304 while it does not change', async () => {
    const first = await fetch(`${url}/ui/api/jobs/${jobId}/view`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const again = await fetch(`${url}/ui/api/jobs/${jobId}/view`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await api.get('/ui/api/jobs/nope/view')).toMatchObject({
      status: 404,
      body: { message: 'job not found' },
    });
  });

  it('reads a log by ranges of parts with exact line numbers, and searches and downloads it whole', async () => {
    const tail = await api.get(`/ui/api/tasks/${taskId}/log?tail=10`);
    expect(tail.status).toBe(200);
    expect(tail.body.totalLines).toBe(2001);
    const text = tail.body.chunks.map((c: { contents: string }) => c.contents).join('');
    expect(text.endsWith('row 2000\nno newline at the end')).toBe(true);
    expect(tail.body.firstLine + (text.match(/\n/g) ?? []).length).toBe(2001);
    const line = await api.get(`/ui/api/tasks/${taskId}/log?line=1500&lines=5`);
    const from = line.body.firstLine as number;
    const lines = line.body.chunks
      .map((c: { contents: string }) => c.contents)
      .join('')
      .split('\n');
    expect(lines[1500 - from]).toBe('row 1500');
    const search = await api.get(`/ui/api/tasks/${taskId}/log/search?q=ROW 19`);
    expect(search.body.count).toBe(111);
    expect(search.body.matches[0]).toMatchObject({ line: 19, text: 'row 19' });
    const download = await fetch(`${url}/ui/api/tasks/${taskId}/log/download`);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="task-${taskId}.log"`);
    const expected =
      Array.from({ length: 2000 }, (_, i) => `row ${i + 1}\n`).join('') + 'no newline at the end';
    expect(await download.text()).toBe(expected);
    expect(await api.get(`/ui/api/tasks/${taskId}/log?tail=ten`)).toMatchObject({
      status: 400,
      body: { message: 'tail: must be a whole number, got "ten"' },
    });
    expect(await api.get(`/ui/api/tasks/${taskId}/log/search`)).toMatchObject({
      status: 400,
      body: { message: 'q: is required' },
    });
    expect(await api.get('/ui/api/tasks/nope/log')).toMatchObject({
      status: 404,
      body: { message: 'task not found' },
    });
  });

  it('validates a definition with line and column, and previews its structure', async () => {
    const bad = await api.request<any>(
      'POST',
      '/ui/api/validate',
      'name: x\ntasks:\n  - name: a\n    run: echo\n    retry:\n      limit: 99\n',
      'text/yaml',
    );
    expect(bad.body).toEqual({
      ok: false,
      diagnostics: [
        {
          path: 'tasks[0].retry.limit',
          message: 'must be between 1 and 10',
          line: 6,
          col: 14,
          endLine: 6,
          endCol: 16,
        },
      ],
    });
    const good = await api.request<any>(
      'POST',
      '/ui/api/validate',
      'name: x\nsecrets:\n  k: hidden-value\ntasks:\n  - name: a\n    run: echo\n',
      'text/yaml',
    );
    expect(good.body).toMatchObject({ ok: true, diagnostics: [], name: 'x', secrets: ['k'] });
    expect(good.body.preview.map((n: { name: string; attempts: unknown[] }) => [n.name, n.attempts])).toEqual(
      [['a', []]],
    );
    expect(good.text).not.toContain('hidden-value');
    const cron = await api.postJson({ cron: '0 2 * * *', count: 2 }, '/ui/api/cron/preview');
    expect(cron.body).toMatchObject({ ok: true, description: 'at 02:00 every day' });
    expect(cron.body.next).toHaveLength(2);
    expect(await api.postJson({}, '/ui/api/cron/preview')).toMatchObject({
      status: 400,
      body: { message: 'cron: is required' },
    });
  });

  it('streams job and task events after a cursor, so a resumed stream misses and repeats nothing', async () => {
    const cursor = (await api.get('/ui/api/jobs')).body.cursor as string;
    const id = (
      await api.postYaml<{ id: string }>('name: streamed\ntasks:\n  - name: one\n    run: echo one\n')
    ).body.id;
    await api.waitForJob(id);
    const complete = (events: SseEvent[]): boolean =>
      events.some((e) => e.event === 'job' && JSON.parse(e.data!).state === 'COMPLETED');
    const events = await readStream(`/ui/api/stream?since=${cursor}&job=${id}`, complete);
    // Progress events repeat RUNNING; the states come in order.
    expect([
      ...new Set(events.filter((e) => e.event === 'job').map((e) => JSON.parse(e.data!).state)),
    ]).toEqual(['SCHEDULED', 'RUNNING', 'COMPLETED']);
    expect(events.filter((e) => e.event === 'task').map((e) => JSON.parse(e.data!).state)).toContain(
      'COMPLETED',
    );
    const ids = events.map((e) => Number(e.id!.split(':')[1]));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // Resuming from the middle replays only what came after, through Last-Event-ID as well.
    const middle = events[1]!.id!;
    const resumed = await readStream(`/ui/api/stream?job=${id}`, complete, { 'last-event-id': middle });
    expect(resumed.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
  });

  it('tells a client with a cursor from another server start to read its snapshot again', async () => {
    const events = await readStream('/ui/api/stream?since=00000000:5&lists=jobs', (e) => e.length > 0);
    expect(events[0]!.event).toBe('reset');
  });

  it('follows a log from a stored position', async () => {
    const events = await readStream(`/ui/api/stream?log=task:${taskId}&logAfter=0`, (e) =>
      e.some((x) => x.event === 'log' && JSON.parse(x.data!).contents.includes('no newline')),
    );
    const parts = events
      .filter((e) => e.event === 'log')
      .map((e) => JSON.parse(e.data!) as { seq: number; contents: string });
    expect(parts.map((p) => p.contents).join('')).toBe(
      Array.from({ length: 2000 }, (_, i) => `row ${i + 1}\n`).join('') + 'no newline at the end',
    );
    // From the last part on there is nothing more to send.
    const last = parts[parts.length - 1]!.seq;
    const after = await readStream(
      `/ui/api/stream?log=task:${taskId}&logAfter=${last}`,
      () => false,
      {},
      1200,
    );
    expect(after.filter((e) => e.event === 'log')).toEqual([]);
  });

  it('answers the cluster views: overview, nodes and queues', async () => {
    const overview = await api.get('/ui/api/overview');
    expect(overview.body.tiles).toMatchObject({ runningJobs: 0, nodesOnline: 2 });
    const nodes = await api.get('/ui/api/nodes');
    expect(
      nodes.body.items.map((n: { role: string; versionSkew: boolean }) => [n.role, n.versionSkew]),
    ).toEqual([
      ['coordinator', false],
      ['worker', false],
    ]);
    const queues = await api.get('/ui/api/queues');
    expect(queues.body.items[0]).toMatchObject({ name: 'default', internal: false, subscribers: 1 });
  });
});

describe('a server with the UI turned off', () => {
  it('answers 404 under /ui and keeps the API', async () => {
    const off = await startTestEngine({ DROVER_UI_ENABLED: 'false' });
    try {
      expect(await off.api.get('/ui/')).toMatchObject({ status: 404, body: { message: 'Not Found' } });
      expect(await off.api.get('/ui/api/jobs')).toMatchObject({
        status: 404,
        body: { message: 'Not Found' },
      });
      expect((await off.api.get('/jobs')).status).toBe(200);
    } finally {
      await off.engine.close();
    }
  });
});

describe('the UI reads with authentication on', () => {
  it('shows each user only the jobs they may see, in lists, views, logs and the stream', async () => {
    const password = 'admin password 1';
    const secured = await startTestEngine({
      DROVER_MIDDLEWARE_WEB_BASICAUTH_ENABLED: 'true',
      DROVER_MIDDLEWARE_WEB_BASICAUTH_ADMIN_PASSWORD: password,
    });
    const base = secured.engine.url!;
    const as = (user: string, pass: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
    });
    const admin = as('admin', password);
    try {
      const created = await fetch(`${base}/users`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ username: 'alice', password: 'alice password' }),
      });
      expect(created.status).toBe(200);
      const alice = as('alice', 'alice password');
      const submit = async (yaml: string): Promise<string> => {
        const res = await fetch(`${base}/jobs`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'text/yaml' },
          body: yaml,
        });
        return ((await res.json()) as { id: string }).id;
      };
      const hidden = await submit(
        'name: admins only\npermissions:\n  - user: admin\ntasks:\n  - name: a\n    run: echo a\n',
      );
      const open = await submit('name: for everyone\ntasks:\n  - name: b\n    run: echo b\n');
      const get = async (path: string, headers: Record<string, string>) => {
        const res = await fetch(base + path, { headers });
        return {
          status: res.status,
          body: (await res.json().catch(() => undefined)) as any,
          www: res.headers.get('www-authenticate'),
        };
      };
      expect((await get('/ui/api/jobs', admin)).body.items.map((j: { id: string }) => j.id).sort()).toEqual(
        [hidden, open].sort(),
      );
      expect((await get('/ui/api/jobs', alice)).body.items.map((j: { id: string }) => j.id)).toEqual([open]);
      expect(await get(`/ui/api/jobs/${hidden}/view`, alice)).toMatchObject({
        status: 404,
        body: { message: 'job not found' },
      });
      expect(await get(`/ui/api/jobs/${hidden}/log`, alice)).toMatchObject({
        status: 404,
        body: { message: 'job not found' },
      });
      expect(await get(`/ui/api/stream?job=${hidden}`, alice)).toMatchObject({
        status: 404,
        body: { message: 'job not found' },
      });
      expect((await get(`/ui/api/jobs/${open}/view`, alice)).status).toBe(200);
      // Without credentials: 401 with no challenge, so a browser shows the UI's login page.
      expect(await get('/ui/api/jobs', {})).toMatchObject({
        status: 401,
        body: { message: 'Unauthorized' },
        www: null,
      });
      expect((await fetch(`${base}/ui/jobs`)).status).toBe(200);
    } finally {
      await secured.engine.close();
    }
  });
});
