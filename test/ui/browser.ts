/**
 * Browser helpers for the UI tests: Debian's Chromium driven by playwright-core (no Playwright
 * browser download), launched with the flags of UI.md §6. Every page is guarded: a page error,
 * a console error, a failed request or any request to a host other than 127.0.0.1 fails the
 * test, and a screenshot of the page is saved under `test-results/ui/`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHOTS = join(ROOT, 'test-results', 'ui');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails with the fix in the message when the machine has no Chromium or the UI is not built. */
export function preflight(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run .ci/chromium-setup.sh (apt-get install -y chromium)`);
  if (!existsSync(join(ROOT, 'ui', 'dist', 'index.html')))
    throw new Error('ui/dist is missing: run `npm run build` first');
}

/** A fresh browser; Playwright gives every launch its own temporary profile directory. */
export async function launch(): Promise<Browser> {
  preflight();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

export interface GuardOptions {
  /** Stream failures are expected while a test cuts the connection on purpose. */
  allowStreamErrors?: boolean;
  /** Console errors expected by the test (a 401 before logging in). */
  allowConsole?: RegExp;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

export interface GuardedPage {
  page: Page;
  context: BrowserContext;
  problems: string[];
  /** Save a screenshot, close the context, and fail on any problem seen. */
  finish(name: string): Promise<void>;
  shot(name: string): Promise<void>;
}

const unfinished = new Set<GuardedPage>();

/**
 * For `afterEach`: screenshot and close the pages a test left open (it failed before
 * `finish`), so a failure can be looked at.
 */
export async function closeUnfinished(testName: string): Promise<void> {
  for (const g of [...unfinished]) {
    unfinished.delete(g);
    await g.shot(`failed-${testName.replace(/[^\w-]+/g, '-').slice(0, 80)}`);
    if (g.problems.length) process.stderr.write(`page problems: ${g.problems.join('\n')}\n`);
    await g.context.close().catch(() => undefined);
  }
}

export async function openPage(browser: Browser, options: GuardOptions = {}): Promise<GuardedPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1400, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  // The stream and the session check that follows a stream failure.
  const isStream = (url: string): boolean => url.includes('/ui/api/stream') || url.endsWith('/ui/session');
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== '127.0.0.1') {
      problems.push(`request to another host: ${url.href}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (options.allowStreamErrors && /stream|ERR_|EventSource/i.test(msg.text())) return;
    if (options.allowConsole?.test(msg.text())) return;
    problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? '';
    // Cancelled by the page itself (leaving a page ends its stream and pending reads; a
    // superseded validation is aborted; a download is handed over, not loaded).
    if (error === 'net::ERR_ABORTED') return;
    if (options.allowStreamErrors && isStream(request.url())) return;
    problems.push(`request failed: ${request.url()} ${error}`);
  });
  const shot = async (name: string): Promise<void> => {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`) }).catch(() => undefined);
  };
  const guarded: GuardedPage = {
    page,
    context,
    problems,
    shot,
    finish: async (name) => {
      unfinished.delete(guarded);
      await shot(name);
      await context.close();
      expect(problems).toEqual([]);
    },
  };
  unfinished.add(guarded);
  return guarded;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** Run axe-core in the page (WCAG 2 A/AA); returns serious and critical violations. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const w = globalThis as unknown as {
      axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
    };
    const result = await w.axe.run((globalThis as any).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, html: n.html.slice(0, 160) })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
