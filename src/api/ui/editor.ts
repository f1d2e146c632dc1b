/**
 * `POST /ui/api/validate`, `POST /ui/api/cron/preview`, `GET /ui/api/examples`: the editor's
 * diagnostics come from the same validator `POST /jobs` uses, so they can never disagree.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { FastifyInstance } from 'fastify';
import { InputError } from '../../errors.js';
import { parseCron } from '../../input/cron.js';
import { toJob, toScheduledJob } from '../../input/to-model.js';
import { parseJob, parseScheduledJob } from '../../input/validate.js';
import type { ApiContext } from '../context.js';
import { first } from '../paging.js';
import { describeCron } from './cron-words.js';
import { buildTree, type ViewNode } from './tree.js';
import { positionInMessage, yamlLocator } from './yaml-positions.js';

export interface Diagnostic {
  path: string;
  message: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export interface Validation {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** The structure the job would have (every task pending), when it is valid. */
  preview?: ViewNode[];
  name?: string;
  /** Input names and values, secret-looking ones masked. */
  inputs?: Record<string, string>;
  /** Names of the secrets the definition sets. */
  secrets?: string[];
  cron?: CronPreview;
}

export interface CronPreview {
  ok: boolean;
  error?: string;
  description?: string;
  /** The next run times (epoch ms). */
  next: number[];
}

export function cronPreview(cron: string, count = 5, now = new Date()): CronPreview {
  try {
    const spec = parseCron(cron);
    const description = describeCron(cron);
    if (spec.kind === 'every') {
      return {
        ok: true,
        description,
        next: Array.from({ length: count }, (_, i) => now.getTime() + spec.everyMs * (i + 1)),
      };
    }
    const job = new Cron(spec.pattern, { paused: true, mode: '5-part', timezone: spec.timezone });
    const next = job.nextRuns(count, now).map((d) => d.getTime());
    job.stop();
    return { ok: true, description, next };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), next: [] };
  }
}

export function registerEditorRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  options: { examplesDir?: string },
): void {
  app.post<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/api/validate',
    async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      const scheduled = first(request.query.kind) === 'scheduled';
      const contentType = request.headers['content-type'] || 'text/yaml';
      const result: Validation = { ok: false, diagnostics: [] };
      try {
        const opts = { allowComposite: ctx.allowComposite };
        const now = new Date();
        if (scheduled) {
          const sj = toScheduledJob(parseScheduledJob(body, contentType, opts), {
            id: 'preview',
            createdAt: now,
          });
          Object.assign(result, {
            name: sj.name,
            preview: buildTree(
              ctx.redactor.redactJob({ ...sj, state: 'PENDING', position: 0, taskCount: 0, context: {} })
                .tasks,
              [],
            ),
          });
          result.cron = cronPreview(sj.cron);
          describeValues(ctx, result, sj.inputs, sj.secrets);
        } else {
          const job = toJob(parseJob(body, contentType, opts), { id: 'preview', createdAt: now });
          Object.assign(result, {
            name: job.name,
            preview: buildTree(ctx.redactor.redactJob(job).tasks, []),
          });
          describeValues(ctx, result, job.inputs, job.secrets);
        }
        result.ok = true;
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        result.diagnostics = diagnose(body, err);
      }
      return reply.header('cache-control', 'no-store').send(result);
    },
  );

  app.post('/api/cron/preview', async (request, reply) => {
    const body = parseBody(request.body);
    const cron = typeof body.cron === 'string' ? body.cron : '';
    if (cron.trim() === '') throw new InputError([{ path: 'cron', message: 'is required' }]);
    const count = Math.min(Math.max(Number(body.count) || 5, 1), 50);
    return reply.header('cache-control', 'no-store').send(cronPreview(cron, count));
  });

  app.get('/api/examples', async (_request, reply) => {
    const dir = options.examplesDir;
    const files = dir ? await readdir(dir).catch(() => [] as string[]) : [];
    const items = await Promise.all(
      files
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map(async (file) => ({
          name: file.replace(/\.ya?ml$/, ''),
          yaml: await readFile(join(dir!, file), 'utf8'),
        })),
    );
    return reply.header('cache-control', 'no-cache').send({ items });
  });
}

function parseBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'string' || body.trim() === '') return {};
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    throw new InputError([{ path: 'body', message: 'must be JSON such as {"cron": "0 2 * * *"}' }]);
  }
}

function describeValues(
  ctx: ApiContext,
  result: Validation,
  inputs?: Record<string, string>,
  secrets?: Record<string, string>,
): void {
  if (inputs && Object.keys(inputs).length) {
    const masked = ctx.redactor.redactSummary({ inputs, secrets } as never).inputs;
    if (masked) result.inputs = masked;
  }
  if (secrets && Object.keys(secrets).length) result.secrets = Object.keys(secrets);
}

/** One diagnostic per issue, placed on the text it is about. */
export function diagnose(text: string, err: InputError): Diagnostic[] {
  let locate: ReturnType<typeof yamlLocator> | undefined;
  try {
    locate = yamlLocator(text);
  } catch {
    locate = undefined;
  }
  return err.issues.map((issue) => {
    const inMessage = positionInMessage(issue.message);
    const at = inMessage
      ? { line: inMessage.line, col: inMessage.col, endLine: inMessage.line, endCol: inMessage.col + 1 }
      : ((issue.path && issue.path !== 'body'
          ? locate?.(issue.path, issue.message.startsWith('unknown field'))
          : undefined) ?? { line: 1, col: 1, endLine: 1, endCol: 1 });
    return { path: issue.path, message: issue.message, ...at };
  });
}
