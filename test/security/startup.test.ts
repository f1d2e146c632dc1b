import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { startEngine, type Engine } from '../../src/engine.js';
import { client } from '../helpers/http.js';

let engine: Engine | undefined;

afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

/** A real standalone engine with the given `DROVER_*` variables, its log lines collected. */
async function start(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'drover-security-'));
  const { config } = loadConfig({
    cwd: dir,
    homedir: dir,
    env: {
      DROVER_COORDINATOR_ADDRESS: '127.0.0.1:0',
      DROVER_DATASTORE_SQLITE_PATH: join(dir, 'drover.db'),
      ...env,
    },
  });
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
  );
  engine = await startEngine({ config, mode: 'standalone', logger });
  const warnings = () =>
    lines.filter((l) => l.level === 40 && l.msg.startsWith('SECURITY:')).map((l) => l.msg);
  return { url: engine.url!, warnings };
}

describe('start-up', () => {
  it('warns when the API listens beyond loopback with authentication off, and when secrets are not encrypted', async () => {
    const { warnings } = await start({ DROVER_COORDINATOR_ADDRESS: '0.0.0.0:0' });
    expect(warnings()).toEqual([
      'SECURITY: the API listens on 0.0.0.0, reachable from other machines, with authentication off: anyone ' +
        'who can reach it can run commands on this machine. Enable middleware.web.basicauth or ' +
        'middleware.web.keyauth, or set coordinator.address to 127.0.0.1:<port>.',
      'SECURITY: datastore.encryption.key is not set: job secrets are stored unencrypted. Set it to encrypt them at rest (AES-256-GCM).',
    ]);
  });

  it('stays quiet on loopback with a key, and listens on 127.0.0.1 by default', async () => {
    const { url, warnings } = await start({ DROVER_DATASTORE_ENCRYPTION_KEY: 'k' });
    expect(warnings()).toEqual([]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses to start with key auth on and no key', async () => {
    await expect(start({ DROVER_MIDDLEWARE_WEB_KEYAUTH_ENABLED: 'true' })).rejects.toThrow(
      'middleware.web.keyauth.key: must be set when middleware.web.keyauth.enabled is true',
    );
  });

  it('creates the configured first admin, who can create users', async () => {
    const { url } = await start({
      DROVER_MIDDLEWARE_WEB_BASICAUTH_ENABLED: 'true',
      DROVER_MIDDLEWARE_WEB_BASICAUTH_ADMIN_PASSWORD: 'boot-pw',
    });
    const auth = (user: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    });
    const created = await fetch(`${url}/users`, {
      method: 'POST',
      headers: auth('admin', 'boot-pw'),
      body: '{"username":"ops","password":"ops-pw"}',
    });
    expect(created.status).toBe(200);
    const asOps = await fetch(`${url}/jobs`, { headers: auth('ops', 'ops-pw') });
    expect(asOps.status).toBe(200);
    const denied = await fetch(`${url}/users`, {
      method: 'POST',
      headers: auth('ops', 'ops-pw'),
      body: '{"username":"x","password":"y"}',
    });
    expect(denied.status).toBe(403);
  });
});

describe('shell runtime user', () => {
  const isRoot = process.getuid?.() === 0;
  // Changing user needs root; CI runs as root. Elsewhere runtime/shell.test.ts says the same.
  it.runIf(isRoot)('runs tasks as runtime.shell.uid and gid', async () => {
    const { url } = await start({ DROVER_RUNTIME_SHELL_UID: '65534', DROVER_RUNTIME_SHELL_GID: '65534' });
    const api = client(url);
    const res = await api.postYaml<{ id: string }>(
      'name: who\ntasks:\n  - name: id\n    run: echo -n "$(id -u):$(id -g)" > $TORK_OUTPUT\n',
    );
    const job = await api.waitForJob(res.body.id);
    expect(job.state).toBe('COMPLETED');
    expect(job.execution[0].result).toBe('65534:65534');
  });
});
