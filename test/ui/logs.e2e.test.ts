/**
 * The log viewer against a real server in Chromium: a big, ugly log (100,000 lines with ANSI
 * colours, a `\r` progress bar and `::group::` markers), following, and a stream cut mid-run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeUnfinished, launch, openPage } from './browser.js';
import { startProxy, startUiServer, type UiServer } from './server.js';

let server: UiServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startUiServer(), launch()]);
}, 60_000);

afterEach(async (context) => {
  await closeUnfinished(context.task.name);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const BIG = [
  `printf '::group::Setup\\n'`,
  `for i in $(seq 1 50); do echo "setup step $i"; done`,
  `printf '::endgroup::\\n'`,
  `for p in 0 25 50 75 100; do printf '\\rprogress %3d%%' $p; done`,
  `printf '\\n'`,
  `awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "\\033[3%dmline %d\\033[0m of the big log\\n", i % 7 + 1, i }'`,
  `echo "the end"`,
].join('\n');

function indent(script: string): string {
  return script
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}

async function taskOf(jobId: string): Promise<string> {
  const job = (await server.api.get(`/jobs/${jobId}`)).body as { execution: { id: string }[] };
  return job.execution[0]!.id;
}

const lineTexts = (page: Page): Promise<string[]> => page.locator('.log-line .lx').allTextContents();

describe('the log viewer', () => {
  it('opens a 100,000-line log on its tail and searches and downloads it whole', async () => {
    const id = await server.submit(`name: big log\ntasks:\n  - name: print\n    run: |\n${indent(BIG)}\n`);
    await server.waitForState(id, ['COMPLETED'], 60_000);
    const taskId = await taskOf(id);
    const g = await openPage(browser);
    const { page } = g;
    const ranges: string[] = [];
    page.on('request', (r) => r.url().includes('/log?') && ranges.push(new URL(r.url()).search));
    await page.goto(`${server.url}/ui/jobs/${id}/logs?task=${taskId}`);
    await expect.poll(() => lineTexts(page), { timeout: 15_000 }).toContain('the end');
    expect(await page.locator('.log-status').textContent()).toContain('100,054 lines');
    // Only the tail was read, and only a few dozen rows are in the DOM.
    expect(ranges).toEqual(['?tail=1000']);
    expect(await page.locator('.log-line').count()).toBeLessThan(300);
    expect(await page.locator('.log-line .ansi-red, .log-line .ansi-green').count()).toBeGreaterThan(0);
    await g.shot('big-log-tail');

    // Scrolling up loads the older range before the window, one range per request.
    const firstBefore = Math.min(
      ...(await page
        .locator('.log-line')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))),
    );
    await page.locator('.log-scroll').evaluate((el) => (el.scrollTop = 0));
    await expect.poll(() => ranges.some((r) => r.startsWith('?before=')), { timeout: 10_000 }).toBe(true);
    // Keep the view at the top while the older range arrives (a busy machine may render the
    // loaded rows after the first scroll event has passed).
    await expect
      .poll(
        async () => {
          await page.locator('.log-scroll').evaluate((el) => (el.scrollTop = 0));
          return Math.min(
            ...(await page
              .locator('.log-line')
              .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))),
          );
        },
        { timeout: 15_000 },
      )
      .toBeLessThan(firstBefore - 500);

    // Whole-log search on the server: an exact count, and a jump to a range not loaded yet.
    const search = page.getByRole('searchbox', { name: 'Search the whole log' });
    await search.fill('line 4242');
    await search.press('Enter');
    await expect.poll(() => page.locator('.search-count').textContent()).toBe('1 of 11 matches');
    await expect
      .poll(() => page.locator('.log-line.current .lx').textContent())
      .toBe('line 4242 of the big log');

    // The carriage-return progress bar is one line showing its last state, in a folded group's wake.
    await search.fill('progress');
    await search.press('Enter');
    await expect.poll(() => page.locator('.search-count').textContent()).toBe('1 of 1 match');
    await expect.poll(() => page.locator('.log-line.current .lx').textContent()).toBe('progress 100%');
    expect(await page.locator('.log-line.group .fold').first().textContent()).toContain('Setup');
    expect(await lineTexts(page)).not.toContain('setup step 10');
    await g.shot('big-log-progress');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).click(),
    ]);
    const saved = readFileSync((await download.path())!);
    const expected = execFileSync('bash', ['-c', BIG], { maxBuffer: 64 * 1024 * 1024 });
    expect(saved.length).toBe(expected.length);
    expect(saved.equals(expected)).toBe(true);
    await g.finish('big-log');
  });

  it('follows new lines only while at the bottom, and resumes with the new-lines pill', async () => {
    const id = await server.submit(`name: ticking
tasks:
  - name: tick
    run: |
      for i in $(seq 1 120); do echo "warm-up $i"; done
      for i in $(seq 1 40); do echo "tick $i"; sleep 0.15; done
`);
    await server.waitForState(id, ['RUNNING']);
    const taskId = await taskOf(id);
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/${id}/logs?task=${taskId}`);
    const scroller = page.locator('.log-scroll');
    const atBottom = (): Promise<boolean> =>
      scroller.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 40);
    await expect
      .poll(async () => (await lineTexts(page)).some((t) => t === 'tick 3'), { timeout: 10_000 })
      .toBe(true);
    await expect.poll(atBottom).toBe(true);

    await scroller.evaluate((el) => (el.scrollTop = 0));
    await expect
      .poll(() => page.locator('.log-pill').textContent(), { timeout: 10_000 })
      .toMatch(/↓ \d+ new lines?/);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeLessThan(400);
    await page.locator('.log-pill').click();
    await expect.poll(atBottom).toBe(true);
    await expect.poll(() => lineTexts(page), { timeout: 15_000 }).toContain('tick 40');
    expect(await atBottom()).toBe(true);
    await g.finish('follow');
  });

  it('loses and doubles no line when the stream is cut mid-run', async () => {
    const proxy = await startProxy(server.url);
    try {
      const id = await server.submit(
        `name: cut\ntasks:\n  - name: tick\n    run: for i in $(seq 1 50); do echo "tick $i"; sleep 0.12; done\n`,
      );
      await server.waitForState(id, ['RUNNING']);
      const taskId = await taskOf(id);
      const g = await openPage(browser, { allowStreamErrors: true, viewport: { width: 1400, height: 1500 } });
      const { page } = g;
      await page.goto(`${proxy.url}/ui/jobs/${id}/logs?task=${taskId}`);
      await expect
        .poll(async () => (await lineTexts(page)).includes('tick 8'), { timeout: 10_000 })
        .toBe(true);
      const states = new Set<string>();
      const watch = setInterval(
        () =>
          void page
            .locator('.live')
            .textContent()
            .then(
              (t) => t && states.add(t),
              () => undefined,
            ),
        50,
      );
      proxy.cut(1500);
      await expect.poll(() => lineTexts(page), { timeout: 20_000 }).toContain('tick 50');
      clearInterval(watch);
      const ticks = (await lineTexts(page)).filter((t) => t.startsWith('tick '));
      expect(ticks).toEqual(Array.from({ length: 50 }, (_, i) => `tick ${i + 1}`));
      expect(states).toContain('reconnecting…');
      await page.locator('.live-live').waitFor();
      await g.finish('stream-cut');
    } finally {
      await proxy.close();
    }
  });

  it('falls back to polling when the stream cannot get through, and says so', async () => {
    const proxy = await startProxy(server.url);
    proxy.blockStream = true;
    try {
      const id = await server.submit('name: polled\ntasks:\n  - name: wait\n    run: sleep 4\n');
      await server.waitForState(id, ['RUNNING']);
      const g = await openPage(browser, { allowStreamErrors: true });
      const { page } = g;
      await page.goto(`${proxy.url}/ui/jobs/${id}`);
      await expect.poll(() => page.locator('.live').textContent(), { timeout: 15_000 }).toBe('polling');
      expect(await page.locator('.job-title .badge').textContent()).toBe('RUNNING');
      await expect
        .poll(() => page.locator('.job-title .badge').textContent(), { timeout: 15_000 })
        .toBe('COMPLETED');
      await g.finish('polling');
    } finally {
      await proxy.close();
    }
  });

  it('catches up after the server restarts: the page reads its snapshot again and stays live', async () => {
    const proxy = await startProxy(server.url);
    try {
      const g = await openPage(browser, { allowStreamErrors: true });
      const { page } = g;
      await page.goto(`${proxy.url}/ui/jobs`);
      // The list is shown and its stream is open.
      await page.locator('.jobs-table, .empty').first().waitFor();
      await page.locator('.live-live').waitFor();
      await page.evaluate(() => ((globalThis as any).marker = 1));
      const dataDir = server.proc.dataDir;
      await server.stop();
      server = await startUiServer({}, dataDir);
      proxy.retarget(server.url);
      proxy.cut();
      // The new server's events carry another epoch: the stream says reset, the list is read again.
      const id = await server.submit('name: after the restart\ntasks:\n  - name: a\n    run: echo a\n');
      await expect.poll(() => page.locator(`a[href="/ui/jobs/${id}"]`).count(), { timeout: 20_000 }).toBe(1);
      await page.locator('.live-live').waitFor();
      expect(await page.evaluate(() => (globalThis as any).marker)).toBe(1);
      await g.finish('restart');
    } finally {
      await proxy.close();
    }
  });
});
