/**
 * `drover health`: ask a running server's `GET /health` and print `Status: <status>`. Any
 * other answer, or none, is an error (exit 1), so scripts and container probes can use it.
 */
import type { Command } from 'commander';
import { urlValue } from '../../config/values.js';
import { prepareCommand, type GlobalOptions } from '../context.js';
import { CliError } from '../cli-error.js';

const TIMEOUT_MS = 10_000;

interface HealthOptions extends GlobalOptions {
  endpoint?: string;
}

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description("check a running server's health endpoint")
    .option('--endpoint <url>', 'base URL of the server (default: the endpoint config key)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<HealthOptions>();
      const { config } = prepareCommand(options);
      const endpoint = options.endpoint ?? config.endpoint;
      const parsed = urlValue(['http:', 'https:']).parse(endpoint, false);
      if ('problem' in parsed)
        throw new CliError(`--endpoint: ${JSON.stringify(endpoint)} ${parsed.problem}`);
      const status = await checkHealth(`${endpoint.replace(/\/+$/, '')}/health`);
      process.stdout.write(`Status: ${status}\n`);
    });
}

/** The `status` field of a 200 answer; throws a message a person can act on otherwise. */
export async function checkHealth(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new CliError(`Health check failed: ${describeFetchFailure(err, url)}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new CliError(`Health check failed. Status Code: ${response.status}`);
  }
  const body = (await response.json().catch(() => undefined)) as { status?: unknown } | undefined;
  if (typeof body?.status !== 'string')
    throw new CliError(`Health check failed: ${url} did not answer with a health status`);
  return body.status;
}

function describeFetchFailure(err: unknown, url: string): string {
  if (err instanceof Error && err.name === 'TimeoutError')
    return `no answer from ${url} within ${TIMEOUT_MS / 1000}s`;
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND…) in the cause.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return `could not reach ${url} (${detail})`;
}
