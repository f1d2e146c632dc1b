import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, runDrover, type RunOptions } from './drover.js';

/** A tiny stand-in server whose `/health` answers with the given status and body. */
async function startHealthServer(
  status: number,
  body: string,
): Promise<{ server: Server; url: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, paths };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

describe('drover health', () => {
  let root: string;
  let options: RunOptions;
  let servers: Server[];

  beforeAll(() => ensureBuilt(), 120_000);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'drover-health-'));
    options = { cwd: join(root, 'work'), home: join(root, 'home') };
    mkdirSync(options.cwd);
    mkdirSync(options.home);
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map(closeServer));
    rmSync(root, { recursive: true, force: true });
  });

  async function serve(status: number, body: string): Promise<{ url: string; paths: string[] }> {
    const started = await startHealthServer(status, body);
    servers.push(started.server);
    return started;
  }

  it('prints the status reported by the endpoint config key', async () => {
    const { url, paths } = await serve(200, '{"status":"UP","version":"0.1.0"}');
    const result = await runDrover(['health'], { ...options, env: { DROVER_ENDPOINT: url } });
    expect(result).toMatchObject({ code: 0, stdout: 'Status: UP\n' });
    expect(paths).toEqual(['/health']);
  });

  it('lets --endpoint override the config and tolerates a trailing slash', async () => {
    const { url, paths } = await serve(200, '{"status":"UP"}');
    const result = await runDrover(['health', '--endpoint', `${url}/`], {
      ...options,
      env: { DROVER_ENDPOINT: 'http://127.0.0.1:1' },
    });
    expect(result).toMatchObject({ code: 0, stdout: 'Status: UP\n' });
    expect(paths).toEqual(['/health']);
  });

  it('fails with the status code when the server is unhealthy', async () => {
    const { url } = await serve(503, '{"status":"DOWN"}');
    const result = await runDrover(['health', '--endpoint', url], options);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: Health check failed. Status Code: 503\n' });
  });

  it('fails with a clear message when nothing listens on the port', async () => {
    const { url } = await serve(200, '{}');
    await closeServer(servers.pop()!);
    const port = new URL(url).port;
    const result = await runDrover(['health', '--endpoint', url], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: Health check failed: could not reach ${url}/health (connect ECONNREFUSED 127.0.0.1:${port})\n`,
    );
  });

  it('fails when the answer carries no health status', async () => {
    const { url } = await serve(200, 'hello');
    const result = await runDrover(['health', '--endpoint', url], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: Health check failed: ${url}/health did not answer with a health status\n`,
    );
  });

  it('rejects an --endpoint that is not an http URL', async () => {
    const result = await runDrover(['health', '--endpoint', 'localhost:8000'], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: --endpoint: "localhost:8000" is not a URL starting with http:// or https://\n',
    );
  });

  it('logs a warning for an unknown config variable and still runs the command', async () => {
    const { url } = await serve(200, '{"status":"UP"}');
    const result = await runDrover(['health', '--endpoint', url], {
      ...options,
      env: { DROVER_ENDPONT: url },
    });
    expect(result.code).toBe(0);
    const warning = JSON.parse(result.stderr.trim()) as { level: number; msg: string };
    expect(warning).toMatchObject({ level: 40, msg: 'unknown config key endpont (from DROVER_ENDPONT)' });
  });
});
