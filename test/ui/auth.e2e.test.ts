/**
 * The UI with API authentication on: a 401 leads to the UI's login page (never the browser's
 * prompt), the session cookie carries the stream, logout ends it, and no secret is shown.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeUnfinished, launch, openPage } from './browser.js';
import { startUiServer, type UiServer } from './server.js';

const PASSWORD = 'correct horse battery';
let server: UiServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startUiServer({
      DROVER_MIDDLEWARE_WEB_BASICAUTH_ENABLED: 'true',
      DROVER_MIDDLEWARE_WEB_BASICAUTH_ADMIN_PASSWORD: PASSWORD,
    }),
    launch(),
  ]);
}, 60_000);

afterEach(async (context) => {
  await closeUnfinished(context.task.name);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const basic = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

async function submit(yaml: string): Promise<string> {
  const res = await fetch(`${server.url}/jobs`, {
    method: 'POST',
    body: yaml,
    headers: { 'content-type': 'text/yaml', authorization: basic },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

describe('the web UI with authentication on', () => {
  it('asks for a login, streams with the session cookie, and logs out', async () => {
    await submit(
      'name: before login\ninputs:\n  API_PASSWORD: p4ss-in-input\ntasks:\n  - name: a\n    run: echo a\n',
    );
    const g = await openPage(browser, { allowConsole: /status of 401/ });
    const { page } = g;
    const challenged: string[] = [];
    page.on('response', (r) => r.headers()['www-authenticate'] && challenged.push(r.url()));
    await page.goto(`${server.url}/ui/jobs`);
    await page.waitForURL(/\/ui\/login\?next=%2Fjobs$/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Unauthorized');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/ui\/jobs$/);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.locator('.live-live').waitFor();
    expect(await page.locator('body').textContent()).not.toContain('p4ss-in-input');

    // The stream carries new jobs with nothing but the cookie.
    await submit('name: after login\ntasks:\n  - name: b\n    run: echo b\n');
    await expect.poll(() => page.locator('.pill').textContent(), { timeout: 10_000 }).toBe('1 new job');
    expect(challenged).toEqual([]);
    await g.shot('auth-logged-in');

    await page.getByRole('button', { name: 'Settings' }).click();
    await expect
      .poll(() => page.getByRole('dialog', { name: 'Settings' }).textContent())
      .toContain('signed in as admin');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/ui\/login$/);
    expect(await page.evaluate(async () => (await fetch('/ui/api/jobs')).status)).toBe(401);
    await g.finish('auth-logged-out');
  });
});
