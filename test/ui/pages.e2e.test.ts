/**
 * The other pages against a real server in Chromium: scheduled jobs, nodes and queues, secrets,
 * a 10,000-task job, the keyboard, and axe-core on every page in light and dark.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { newId } from '../../src/model/ids.js';
import type { Task } from '../../src/model/task.js';
import { axe, closeUnfinished, launch, openPage } from './browser.js';
import { startUiServer, type UiServer } from './server.js';

let server: UiServer;
let browser: Browser;
let failedJob: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startUiServer(), launch()]);
  failedJob = await server.submit(
    `name: broken\ntasks:\n  - name: boom\n    run: 'echo "ERROR: boom"; exit 4'\n`,
  );
  await server.waitForState(failedJob, ['FAILED']);
}, 60_000);

afterEach(async (context) => {
  await closeUnfinished(context.task.name);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Wait until nothing on the page is still loading (an open event stream never lets the network idle). */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => !(globalThis as any).document.querySelector('.loading'));
}

const SECRET = 's3cr3t-value-4711';
const INPUT_SECRET = 'hunter2-input-0815';

describe('the web UI pages', () => {
  it('creates a schedule with its next run times, pauses and resumes it, and fills its run strip', async () => {
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/new`);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText('name: every second\ntasks:\n  - name: tick\n    run: echo tick\n');
    await expect.poll(() => page.locator('.ok-text').count()).toBe(1);
    await page.getByRole('button', { name: 'Schedule…' }).click();
    const cron = page.getByRole('textbox', { name: /^Cron/ });
    await cron.fill('30 2 * * 1-5');
    await expect
      .poll(() => page.locator('.cron-preview').textContent())
      .toContain('at 02:30 on Monday to Friday');
    expect(await page.locator('.next-runs li').count()).toBe(5);
    await g.shot('schedule-dialog');
    await cron.fill('@every 1s');
    await expect.poll(() => page.locator('.cron-preview').textContent()).toContain('every 1s');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/ui\/scheduled$/);
    const row = page.locator('tr', { hasText: 'every second' });
    await expect.poll(() => row.locator('.badge').first().textContent()).toBe('ACTIVE');
    await expect
      .poll(() => row.locator('.strip .bar').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    await row.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => row.locator('.badge').first().textContent()).toBe('PAUSED');
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => row.locator('.badge').first().textContent()).toBe('ACTIVE');
    await g.shot('scheduled');
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).last().click();
    await expect.poll(() => page.locator('tr', { hasText: 'every second' }).count()).toBe(0);
    await g.finish('scheduled-deleted');
  });

  it('says when a task waits on a queue nobody listens to, on the task and on the queues page', async () => {
    const id = await server.submit(
      'name: nobody listens\ntasks:\n  - name: stranded\n    queue: nobody\n    run: echo never\n',
    );
    await server.waitForState(id, ['SCHEDULED', 'RUNNING']);
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/${id}`);
    await expect
      .poll(() => page.locator('.card-why').first().textContent(), { timeout: 10_000 })
      .toMatch(/queued on "nobody" for .*: 0 workers subscribe to this queue/);
    await page.locator('.card', { hasText: 'stranded' }).click();
    await expect
      .poll(() => page.locator('.drawer .why').textContent())
      .toContain('0 workers subscribe to this queue');
    await g.shot('queue-why');
    await page.goto(`${server.url}/ui/queues`);
    await expect
      .poll(() => page.locator('.warnings').textContent())
      .toContain('Queue nobody: 1 waiting, 0 workers subscribe: no worker will run these');
    await g.shot('queues');
    await page.goto(`${server.url}/ui/nodes`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('tbody').textContent()).toMatch(
      /Coordinator.*coordinator.*UP.*Worker.*worker.*UP/s,
    );
    await g.shot('nodes');
    expect((await server.api.put(`/jobs/${id}/cancel`)).status).toBe(200);
    await g.finish('nodes');
  });

  it('never shows a secret: not in pages, logs or /ui/api answers', async () => {
    const id = await server.submit(`name: with secrets
inputs:
  PASSWORD: ${INPUT_SECRET}
  region: eu
secrets:
  token: ${SECRET}
tasks:
  - name: use it
    env:
      TOKEN: "{{ secrets.token }}"
    run: echo "token is $TOKEN"; echo "${SECRET}"
`);
    await server.waitForState(id, ['COMPLETED']);
    const taskId = ((await server.api.get(`/jobs/${id}`)).body as { execution: { id: string }[] })
      .execution[0]!.id;
    for (const path of [
      `/ui/api/jobs/${id}/view`,
      `/ui/api/tasks/${taskId}`,
      `/ui/api/jobs/${id}/log`,
      `/ui/api/tasks/${taskId}/log/download`,
      '/ui/api/jobs',
      '/ui/api/overview',
    ]) {
      const res = await server.api.get(path);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toContain(INPUT_SECRET);
    }
    const g = await openPage(browser);
    const { page } = g;
    for (const path of [
      `/ui/jobs/${id}`,
      `/ui/jobs/${id}?view=logs`,
      `/ui/jobs/${id}?task=${taskId}`,
      '/ui/jobs',
    ]) {
      await page.goto(`${server.url}${path}`);
      await page.locator('h1').first().waitFor();
      await settle(page);
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(INPUT_SECRET);
      // Secret inputs and secrets show as set, never as their value.
      if (path === `/ui/jobs/${id}`)
        expect(await page.locator('.secret').allTextContents()).toEqual(['•••• set', '•••• set']);
    }
    await g.finish('secrets');
  });

  it('keeps the page of a 10,000-task fan-out light and quick to use', async () => {
    const jobId = newId();
    const ds = new SqliteDatastore({ path: join(server.proc.dataDir, 'drover.db') });
    try {
      const start = Date.now() - 600_000;
      const def: Task = {
        name: 'ten thousand',
        each: { list: '{{ sequence(0, 10000) }}', concurrency: 50, task: { name: 'item', run: 'true' } },
      };
      await ds.createJob({
        id: jobId,
        name: 'big fan-out',
        state: 'COMPLETED',
        createdAt: new Date(start),
        startedAt: new Date(start),
        completedAt: new Date(),
        tasks: [def],
        position: 2,
        taskCount: 1,
        context: {},
      });
      const parentId = newId();
      const at = (ms: number): Date => new Date(start + ms);
      const records: Task[] = [
        {
          ...def,
          id: parentId,
          jobId,
          position: 1,
          state: 'COMPLETED',
          createdAt: at(0),
          startedAt: at(0),
          completedAt: at(500_000),
          each: { ...def.each!, size: 10_000 },
        },
      ];
      for (let i = 0; i < 10_000; i++) {
        const failed = i % 97 === 0;
        records.push({
          id: newId(),
          jobId,
          parentId,
          position: 1,
          childIndex: i,
          name: `item ${i}`,
          state: failed ? 'FAILED' : 'COMPLETED',
          createdAt: at(i * 40),
          scheduledAt: at(i * 40 + 5),
          startedAt: at(i * 40 + 10),
          [failed ? 'failedAt' : 'completedAt']: at(i * 40 + 30),
          run: 'true',
        });
      }
      await ds.createTasks(records);
    } finally {
      await ds.close();
    }
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/${jobId}`);
    await page.locator('.fanout .counts').waitFor();
    const readyMs = await page.evaluate(() => performance.now());
    expect(await page.locator('.fanout .counts').getAttribute('aria-label')).toBe(
      '9896 completed, 104 failed',
    );
    await page.getByRole('button', { name: 'Show 10000 items' }).click();
    await page.locator('.items-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => page.locator('.items-row').last().textContent()).toMatch(/^9999item 9999/);
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.getByRole('button', { name: 'Expand ten thousand' }).click();
    await page.locator('.tl-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => page.locator('.tl-row').last().textContent()).toContain('item 9999');
    expect(
      await page.evaluate(
        () => (globalThis as any).document.querySelectorAll('.items-row, .tl-row, .log-line, tr').length,
      ),
    ).toBeLessThan(500);
    process.stdout.write(
      `10,000-task job page: fan-out card ready ${Math.round(readyMs)} ms after navigation start\n`,
    );
    await g.finish('ten-thousand');
  });

  it('can be used with the keyboard alone', async () => {
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/`);
    await page.locator('h1').waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('global-search');
    await page.keyboard.type('broken');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/jobs\?q=broken$/);
    await page.locator('tbody tr').first().waitFor();
    await page.keyboard.press('j');
    expect(await page.locator('tr[aria-selected="true"]').count()).toBe(1);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/ui/jobs/${failedJob}$`));
    await page.locator('.failure').waitFor();
    for (const [key, view] of [
      ['t', 'timeline'],
      ['l', 'logs'],
      ['s', null],
    ] as const) {
      await page.keyboard.press('g');
      await page.keyboard.press(key);
      await expect.poll(() => new URL(page.url()).searchParams.get('view')).toBe(view);
    }
    await page.locator('.seq .card').first().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('task')).toBeTruthy();
    await page.locator('.drawer').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.drawer').count()).toBe(0);
    await page.keyboard.press('?');
    await expect.poll(() => page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible()).toBe(false);
    await g.finish('keyboard');
  });

  it(
    'has no serious accessibility violation on any page, in light and in dark',
    { timeout: 90_000 },
    async () => {
      const taskId = ((await server.api.get(`/jobs/${failedJob}`)).body as { execution: { id: string }[] })
        .execution[0]!.id;
      const pages = [
        '/ui/',
        '/ui/jobs',
        `/ui/jobs/${failedJob}`,
        `/ui/jobs/${failedJob}?view=timeline`,
        `/ui/jobs/${failedJob}?view=logs`,
        `/ui/jobs/${failedJob}?task=${taskId}`,
        `/ui/jobs/${failedJob}/logs?task=${taskId}`,
        '/ui/jobs/new',
        '/ui/scheduled',
        '/ui/nodes',
        '/ui/queues',
        '/ui/login',
      ];
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        const g = await openPage(browser, { colorScheme });
        const { page } = g;
        for (const path of pages) {
          await page.goto(`${server.url}${path}`);
          await page.locator('h1, h2').first().waitFor();
          await settle(page);
          expect(await page.evaluate(() => (globalThis as any).document.documentElement.dataset.theme)).toBe(
            colorScheme,
          );
          for (const v of await axe(page))
            found.push(
              `${colorScheme} ${path}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
            );
        }
        await g.finish(`axe-${colorScheme}`);
      }
      expect(found).toEqual([]);
    },
  );
});
