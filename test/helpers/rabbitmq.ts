import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * The RabbitMQ the tests use: `DROVER_TEST_RABBITMQ_URL` (no virtual host) and
 * `DROVER_TEST_RABBITMQ_MANAGEMENT_URL`, else the local server of the CI machine. Each test file
 * works in a virtual host of its own, so files running side by side never see each other's
 * queues, and closing "every connection" of one never disturbs another. A test that cannot reach
 * RabbitMQ fails with the fix in the message; it never skips.
 */
export const RABBITMQ_URL = (process.env.DROVER_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').replace(/\/+$/, '');
export const MANAGEMENT_URL = (process.env.DROVER_TEST_RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672').replace(/\/+$/, '');

const exec = promisify(execFile);

function authorization(): string {
  const url = new URL(RABBITMQ_URL);
  const user = decodeURIComponent(url.username || 'guest');
  const password = decodeURIComponent(url.password || 'guest');
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A call to the management API; throws with the fix when RabbitMQ (or the plugin) is not there. */
export async function management(method: string, path: string, body?: unknown): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(MANAGEMENT_URL + path, {
      method,
      headers: { authorization: authorization(), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Error(
      `RabbitMQ's management API is not reachable at ${MANAGEMENT_URL} (${(err as Error).message}). ` +
        'Start RabbitMQ with its management plugin: `.ci/services.sh`.',
      { cause: err },
    );
  }
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

export interface TestVhost {
  name: string;
  /** AMQP URL of the virtual host. */
  url: string;
  /** Remove the virtual host with everything in it. */
  remove(): Promise<void>;
}

/** A fresh virtual host that the test user may use. */
export async function createVhost(): Promise<TestVhost> {
  const name = `drover-test-${randomUUID().slice(0, 8)}`;
  const vhost = encodeURIComponent(name);
  await management('PUT', `/api/vhosts/${vhost}`, {});
  const user = decodeURIComponent(new URL(RABBITMQ_URL).username || 'guest');
  await management('PUT', `/api/permissions/${vhost}/${encodeURIComponent(user)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  return {
    name,
    url: `${RABBITMQ_URL}/${vhost}`,
    remove: async () => void (await management('DELETE', `/api/vhosts/${vhost}`)),
  };
}

/** `rabbitmqctl close_all_connections` for one virtual host: what a broker restart does to clients. */
export async function closeAllConnections(vhost: string): Promise<void> {
  await exec('rabbitmqctl', ['close_all_connections', '--vhost', vhost, 'drover test: connections closed on purpose']);
}

/** Names of the client connections open on a virtual host. */
export async function connectionNames(vhost: string): Promise<string[]> {
  const res = await management('GET', `/api/vhosts/${encodeURIComponent(vhost)}/connections?columns=client_properties`);
  const list = (await res.json()) as Array<{ client_properties?: { connection_name?: string } }>;
  return list.map((c) => c.client_properties?.connection_name ?? '');
}
