/**
 * Job actions, each through the Tork endpoint tork-web calls (so the UI also exercises
 * compatibility), and the one-line explanations shown with them.
 */
import { enc, getJson, send } from './api.js';
import { navigate } from './router.js';

export const EXPLAIN = {
  cancel: 'Stop the job: running processes and containers are stopped; the log stays.',
  restart:
    'Run this job again from the top-level task that stopped it. Inside a parallel or each block, only the items that did not complete run again.',
  runAgain: 'Submit a new job from the same definition (the old run stays as it is).',
  editRun: 'Open the definition in the editor, change it, and run it as a new job.',
} as const;

export const cancelJob = (id: string): Promise<unknown> => send('PUT', `/jobs/${enc(id)}/cancel`);
export const restartJob = (id: string): Promise<unknown> => send('PUT', `/jobs/${enc(id)}/restart`);

const DEFINITION_KEYS = [
  'name',
  'description',
  'tags',
  'inputs',
  'secrets',
  'defaults',
  'tasks',
  'output',
  'webhooks',
  'autoDelete',
];

/** The definition fields of a job as `GET /jobs/{id}` returns it. */
export function definitionOf(job: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of DEFINITION_KEYS) if (job[key] !== undefined) out[key] = job[key];
  return out;
}

/** Whether a definition holds values the API redacted (they cannot be submitted as they are). */
export function hasRedacted(definition: unknown): boolean {
  return JSON.stringify(definition).includes('[REDACTED]');
}

/**
 * "Run again": submit the same definition as a new job and open it. A definition with secrets
 * (shown redacted) opens in the editor instead, so they can be entered again.
 */
export async function runAgain(id: string): Promise<void> {
  const job = await getJson<Record<string, unknown>>(`/jobs/${enc(id)}`);
  const definition = definitionOf(job);
  if (hasRedacted(definition)) {
    navigate(`/jobs/new?from=${enc(id)}`);
    return;
  }
  const created = await send<{ id: string }>('POST', '/jobs', JSON.stringify(definition), 'application/json');
  navigate(`/jobs/${enc(created.id)}`);
}

/** `curl` commands for a job: fetch it, and submit its definition again. */
export function curlFor(id: string): string {
  const origin = window.location.origin;
  return [
    `curl -s ${origin}/jobs/${id}`,
    `curl -s ${origin}/jobs/${id}/log`,
    `curl -s -X PUT ${origin}/jobs/${id}/cancel`,
    `curl -s -X PUT ${origin}/jobs/${id}/restart`,
  ].join('\n');
}
