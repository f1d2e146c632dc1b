/**
 * The web UI against a real `drover run standalone`, driven in Chromium the way a person would:
 * write a job in the editor and watch it run, a fan-out of 200 items, a failure and a restart,
 * a cancel.
 */
import { execFileSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeUnfinished, launch, openPage } from './browser.js';
import { startUiServer, waitFor, type UiServer } from './server.js';

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

describe('the web UI runs jobs', () => {
  it('validates a job in the editor, runs it and shows it completing live with a coloured log', async () => {
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/new`);
    const editor = page.locator('.cm-content');
    await editor.waitFor();
    await editor.click();
    await page.keyboard.press('Control+a');
    // A typo a person makes: the second item is indented by one space too few.
    await page.keyboard.insertText(
      'name: three steps\ntasks:\n  - name: one\n    run: echo one\n - name: two\n    run: echo two\n  - name: three\n    run: echo three\n',
    );
    await expect
      .poll(() => page.locator('.diagnostics li').first().textContent(), { timeout: 10_000 })
      .toContain('line 5');
    expect(await page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    await g.shot('editor-diagnostic');

    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(
      'name: three steps\ntasks:\n  - name: one\n    run: echo one; sleep 1\n  - name: two\n    run: for i in 1 2 3 4 5; do printf "\\033[32mline %d\\033[0m\\n" $i; sleep 0.3; done\n  - name: three\n    run: echo three\n',
    );
    await expect.poll(() => page.locator('.editor-side .card').count(), { timeout: 10_000 }).toBe(3);
    expect(await page.locator('.editor-side .card.pending').count()).toBe(3);
    await g.shot('editor-preview');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/\/ui\/jobs\/[0-9a-f]{32}$/);
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 1));
    await page.getByRole('tab', { name: 'Logs' }).click();
    await expect
      .poll(() => page.locator('.job-title .badge').textContent(), { timeout: 20_000 })
      .toBe('COMPLETED');
    await expect
      .poll(
        async () =>
          (await page.locator('.log-line .lx').allTextContents()).filter((t) => t.startsWith('line ')),
        { timeout: 10_000 },
      )
      .toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(await page.locator('.log-line .ansi-green').count()).toBe(5);
    // Everything arrived over the stream: the page never reloaded.
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(1);
    await page.getByRole('tab', { name: 'Structure' }).click();
    expect(await page.locator('.seq .card .card-state').allTextContents()).toEqual([
      ' COMPLETED',
      ' COMPLETED',
      ' COMPLETED',
    ]);
    await g.finish('job-completed');
  });

  it('shows a fan-out of 200 items as one card whose counts rise, never above its concurrency', async () => {
    const id = await server.submit(`name: fan-out
tasks:
  - name: setup
    parallel:
      tasks:
        - name: a
          run: echo a
        - name: b
          run: echo b
        - name: c
          run: echo c
  - name: items
    each:
      list: "{{ sequence(0, 200) }}"
      concurrency: 5
      allowFailures: true
      task:
        name: item {{ item.value }}
        env:
          ITEM: "{{ item.value }}"
        run: if [ "$ITEM" -eq 7 ]; then echo "item 7 breaks"; exit 1; fi; sleep 0.02
`);
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/${id}`);
    const card = page.locator('.fanout');
    await card.waitFor({ timeout: 15_000 });
    // Watch the card in the page itself: the largest "N running" seen and the done counts over time.
    await page.evaluate(() => {
      const w = globalThis as unknown as { maxRunning: number; doneSeen: number[] };
      w.maxRunning = 0;
      w.doneSeen = [];
      const sample = (): void => {
        const text = (globalThis as any).document.querySelector('.fan-running')?.textContent ?? '';
        const m = /(\d+) running.*?(\d+)\/200 done/.exec(text);
        if (m) {
          w.maxRunning = Math.max(w.maxRunning, Number(m[1]));
          if (w.doneSeen[w.doneSeen.length - 1] !== Number(m[2])) w.doneSeen.push(Number(m[2]));
        }
      };
      new (globalThis as any).MutationObserver(sample).observe((globalThis as any).document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
      sample();
    });
    await expect
      .poll(() => card.locator('.fan-running').textContent(), { timeout: 60_000 })
      .toContain('200/200 done');
    const { maxRunning, doneSeen } = await page.evaluate(() => {
      const w = globalThis as unknown as { maxRunning: number; doneSeen: number[] };
      return { maxRunning: w.maxRunning, doneSeen: w.doneSeen };
    });
    expect(maxRunning).toBeGreaterThan(0);
    expect(maxRunning).toBeLessThanOrEqual(5);
    expect(doneSeen.length).toBeGreaterThan(3);
    expect([...doneSeen].sort((a, b) => a - b)).toEqual(doneSeen);
    await expect
      .poll(() => card.locator('.counts').getAttribute('aria-label'))
      .toBe('199 completed, 1 failed');

    await card.getByRole('button', { name: 'Show 200 items' }).click();
    await expect.poll(() => page.locator('.items-row').count()).toBeGreaterThan(5);
    expect(await page.locator('.items-row').count()).toBeLessThan(60);
    await card.getByRole('button', { name: 'Failed only' }).click();
    await expect
      .poll(() => page.locator('.items-row').allTextContents())
      .toEqual([expect.stringMatching(/^7item 7\s*FAILED/)]);
    // However big the fan-out, the page keeps few rows in the DOM.
    expect(
      await page.evaluate(
        () => (globalThis as any).document.querySelectorAll('.items-row, .log-line, .tl-row, tr').length,
      ),
    ).toBeLessThan(500);
    await g.finish('fan-out');
  });

  it('puts the failure first and restarts from the failed task, keeping both records in the timeline', async () => {
    const marker = `/tmp/drover-ui-flaky-${process.pid}-${Date.now()}`;
    const id = await server.submit(`name: flaky
tasks:
  - name: prepare
    run: echo prepared
  - name: check
    run: |
      for i in $(seq 1 30); do echo "checking $i"; done
      if [ ! -f ${marker} ]; then touch ${marker}; echo "ERROR: the first run fails"; echo "cleaning up"; exit 3; fi
      echo fixed
`);
    await server.waitForState(id, ['FAILED']);
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/${id}`);
    const banner = page.locator('.failure');
    await banner.waitFor();
    expect(await banner.locator('.path').textContent()).toBe('check');
    expect(await banner.locator('.failure-error').textContent()).toContain('exit code 3');
    const lines = await banner.locator('.failure-lines > span').allTextContents();
    expect(lines).toHaveLength(20);
    expect(lines[lines.length - 1]).toBe('32cleaning up\n');
    await g.shot('failure-banner');

    await banner.getByRole('button', { name: 'Open log at failure' }).click();
    await page.waitForURL(/\/logs\?task=.*#L31$/);
    await expect
      .poll(() => page.locator('.log-line.current .lx').textContent())
      .toBe('ERROR: the first run fails');
    await g.shot('log-at-failure');

    await page.goBack();
    await page.getByRole('button', { name: 'Restart' }).click();
    await expect
      .poll(() => page.locator('.job-title .badge').textContent(), { timeout: 20_000 })
      .toBe('COMPLETED');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await expect
      .poll(() => page.locator('.tl-label').allTextContents())
      .toEqual(expect.arrayContaining(['check (run 1)', 'check (run 2)']));
    expect(await page.locator('.failure').count()).toBe(0);
    await g.finish('restarted');
  });

  it('keeps the live end of a restarted job when an older snapshot arrives after it', async () => {
    const marker = `/tmp/drover-ui-late-${process.pid}-${Date.now()}`;
    // The first run fails; the second waits for a go file, so the snapshot the page asks for
    // when the job leaves FAILED is read while it runs.
    const id = await server.submit(`name: late snapshot
tasks:
  - name: gate
    run: |
      if [ ! -f ${marker} ]; then echo "no marker"; exit 3; fi
      while [ ! -f ${marker}.go ]; do sleep 0.05; done
      echo passed
`);
    await server.waitForState(id, ['FAILED']);
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/${id}`);
    await page.locator('.failure').waitFor();
    // From here on, the page's snapshots of this job are read at once but handed to it only
    // when released: as a slow answer would be.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    let delivered = 0;
    await page.route(`**/ui/api/jobs/${id}/view*`, async (route) => {
      const response = await route.fetch();
      held++;
      await released;
      await route.fulfill({ response });
      delivered++;
    });
    execFileSync('touch', [marker]);
    try {
      await page.getByRole('button', { name: 'Restart' }).click();
      await expect.poll(() => held, { timeout: 10_000 }).toBeGreaterThan(0);
      execFileSync('touch', [`${marker}.go`]);
      await server.waitForState(id, ['COMPLETED']);
      // The end comes live, while the snapshot (read while the task ran) is held back.
      await expect.poll(() => page.locator('.job-title .badge').textContent(), { timeout: 10_000 }).toBe('COMPLETED');
      release();
      await expect.poll(() => delivered).toBe(held);
      // Let the page apply what it was handed: the answer's promise, then a render.
      await page.evaluate(
        () =>
          new Promise((resolve) => {
            const frame = (globalThis as any).requestAnimationFrame as (callback: () => void) => void;
            frame(() => frame(() => resolve(undefined)));
          }),
      );
      expect(await page.locator('.job-title .badge').textContent()).toBe('COMPLETED');
    } finally {
      release();
      execFileSync('rm', ['-f', marker, `${marker}.go`]);
    }
    await g.finish('late-snapshot');
  });

  it('cancels a running task: the process is gone and its log stays on screen', async () => {
    // A sleep whose command line no other process has, so pgrep finds exactly it.
    const marker = `sleep 60.${process.pid}${Date.now() % 100000}`;
    const id = await server.submit(`name: long
tasks:
  - name: wait
    run: echo "waiting for ${marker}"; ${marker}
`);
    await server.waitForState(id, ['RUNNING']);
    const g = await openPage(browser);
    const { page } = g;
    await page.goto(`${server.url}/ui/jobs/${id}?view=logs`);
    await expect
      .poll(() => page.locator('.log-line .lx').first().textContent(), { timeout: 10_000 })
      .toBe(`waiting for ${marker}`);
    expect(pgrep(marker)).not.toBe('');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel the job' }).click();
    await expect
      .poll(() => page.locator('.job-title .badge').textContent(), { timeout: 10_000 })
      .toBe('CANCELLED');
    await waitFor(() => pgrep(marker) === '', { timeoutMs: 10_000, message: 'the sleep process to be gone' });
    expect(await page.locator('.log-line .lx').first().textContent()).toBe(`waiting for ${marker}`);
    await g.finish('cancelled');
  });
});

function pgrep(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}
