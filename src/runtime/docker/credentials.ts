import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from '../../model/task.js';

/**
 * Registry credentials for pulling an image: the task's own `registry`, else what a Docker
 * config file holds for the image's registry host (`auths` entries or a credential helper).
 */

/** The Engine API's `AuthConfig` for a pull. */
export interface PullAuth {
  username: string;
  password: string;
  serveraddress: string;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io'];
const HELPER_TIMEOUT_MS = 10_000;

/** The registry host of an image reference: its first component when that looks like a host. */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost';
  return isHost ? first : DOCKER_HUB;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * Credentials for pulling `image`, or `undefined` to pull anonymously.
 * @param configFile the Docker config file; `~/.docker/config.json` when empty.
 */
export async function pullAuth(
  image: string,
  registry: Registry | undefined,
  configFile: string | undefined,
): Promise<PullAuth | undefined> {
  const host = registryHost(image);
  if (registry?.username) {
    return { username: registry.username, password: registry.password ?? '', serveraddress: host };
  }
  const config = await readConfig(configFile || join(homedir(), '.docker', 'config.json'));
  if (!config) return undefined;
  const keys = host === DOCKER_HUB ? DOCKER_HUB_KEYS : [host, `https://${host}`, `http://${host}`];
  for (const key of keys) {
    const entry = config.auths?.[key];
    const found = entry && fromAuthEntry(entry);
    if (found) return { ...found, serveraddress: host };
  }
  const helper = keys.map((key) => config.credHelpers?.[key]).find(Boolean) ?? config.credsStore;
  if (!helper) return undefined;
  const fromHelper = await askHelper(helper, host === DOCKER_HUB ? DOCKER_HUB_KEYS[0]! : host);
  return fromHelper && { ...fromHelper, serveraddress: host };
}

async function readConfig(path: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`reading Docker config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch (err) {
    throw new Error(`Docker config file ${path} is not valid JSON`, { cause: err });
  }
}

function fromAuthEntry(entry: { auth?: string; username?: string; password?: string }) {
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username) return { username: entry.username, password: entry.password ?? '' };
  return undefined;
}

/** `docker-credential-<helper> get`, with the server on stdin, answers `{Username, Secret}`. */
function askHelper(
  helper: string,
  server: string,
): Promise<{ username: string; password: string } | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      `docker-credential-${helper}`,
      ['get'],
      { timeout: HELPER_TIMEOUT_MS },
      (err, stdout) => {
        // Helpers exit non-zero with "credentials not found" when they have nothing: pull anonymously.
        if (err && /credentials not found/i.test(stdout)) return resolve(undefined);
        if (err) return reject(new Error(`credential helper docker-credential-${helper}: ${err.message}`));
        try {
          const answer = JSON.parse(stdout) as { Username?: string; Secret?: string };
          resolve(answer.Username ? { username: answer.Username, password: answer.Secret ?? '' } : undefined);
        } catch {
          reject(new Error(`credential helper docker-credential-${helper} did not answer JSON`));
        }
      },
    );
    child.stdin?.end(server);
  });
}
