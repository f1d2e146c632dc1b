import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';

/**
 * Podman for the container-runtime tests: the API socket and the local test image that
 * `.ci/podman-setup.sh` prepares. Nothing here pulls from a registry.
 */

export const PODMAN_SOCKET = '/run/podman/podman.sock';
/** busybox-static imported as an image: `sh`, `seq`, `httpd`, `wget`… and nothing else. */
export const TEST_IMAGE = 'localhost/drover-test:latest';

const SETUP_HINT =
  'run `.ci/podman-setup.sh` (as root) to install Podman, start its API service and build the test image';

/** GET a path of the Engine API on the Podman socket; resolves with the status and parsed body. */
export function engineGet<T = unknown>(path: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: PODMAN_SOCKET, path, method: 'GET', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON (`/_ping` answers OK)
        }
        resolve({ status: res.statusCode ?? 0, body: body as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${PODMAN_SOCKET}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Why the container tests cannot run here, or undefined when they can. */
export async function podmanProblem(): Promise<string | undefined> {
  try {
    const ping = await engineGet('/_ping');
    if (ping.status !== 200) return `Podman answered ${ping.status} on ${PODMAN_SOCKET}`;
  } catch (err) {
    return `Podman is not reachable on ${PODMAN_SOCKET} (${(err as Error).message})`;
  }
  const image = await engineGet(`/images/${encodeURIComponent(TEST_IMAGE)}/json`);
  if (image.status !== 200) return `the test image ${TEST_IMAGE} is missing`;
  return undefined;
}

/**
 * Preflight for a container test file: true when Podman is ready. Otherwise fails in CI with
 * the fix in the message, and elsewhere prints why the file is skipped.
 */
export async function requirePodman(file: string): Promise<boolean> {
  const problem = await podmanProblem();
  if (!problem) return true;
  const message = `${problem}: ${SETUP_HINT}`;
  if (process.env.CI) throw new Error(message);
  process.stderr.write(`note: skipping ${file}: ${message}\n`);
  return false;
}

/** Containers, volumes and networks labelled with `drover.worker=<workerId>` (names or short ids). */
export async function resourcesOf(workerId: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`drover.worker=${workerId}`] }));
  const [containers, volumes, networks] = await Promise.all([
    engineGet<Array<{ Id: string; State: string }>>(`/containers/json?all=true&filters=${filters}`),
    engineGet<{ Volumes: Array<{ Name: string }> | null }>(`/volumes?filters=${filters}`),
    engineGet<Array<{ Name: string }>>(`/networks?filters=${filters}`),
  ]);
  return [
    ...containers.body.map((c) => `container ${c.Id.slice(0, 12)} (${c.State})`),
    ...(volumes.body.Volumes ?? []).map((v) => `volume ${v.Name}`),
    ...networks.body.map((n) => `network ${n.Name}`),
  ];
}

/** Run the podman CLI; resolves with its trimmed stdout. */
export async function podman(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('podman', args, { timeout: 60_000 });
  return stdout.trim();
}
