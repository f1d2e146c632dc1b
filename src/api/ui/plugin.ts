/**
 * The built-in web UI under `/ui/` (UI.md): the static app built by `npm run build` into
 * `ui/dist/`, and its read-only API `/ui/api/*`. Mutations go through Tork's own routes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NotFoundError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { registerClusterRoutes } from './cluster.js';
import { registerEditorRoutes } from './editor.js';
import { EventHub } from './hub.js';
import { registerJobViewRoutes } from './jobs.js';
import { registerLogRoutes } from './logs.js';
import { registerScheduledRoutes } from './scheduled.js';
import { registerStreamRoute, StreamSet, type StreamOptions } from './stream.js';

export interface UiOptions {
  /** The built app (`index.html` and `assets/`). @default `ui/dist/` of this package */
  assetsDir?: string;
  /** Job files offered as examples in the editor. @default `examples/` of this package */
  examplesDir?: string;
  stream?: StreamOptions;
}

const PACKAGE_ROOT = new URL('../../../', import.meta.url);
const NOT_BUILT =
  'The Drover web UI is not built. Run `npm run build` (it builds the UI into ui/dist/) and restart.\n';

/** Register the UI under `/ui`. Call once, from `buildApp`, when `ui.enabled` is true. */
export function registerUi(app: FastifyInstance, ctx: ApiContext, options: UiOptions = {}): void {
  const assetsDir = options.assetsDir ?? fileURLToPath(new URL('ui/dist/', PACKAGE_ROOT));
  const examplesDir = options.examplesDir ?? fileURLToPath(new URL('examples/', PACKAGE_ROOT));
  const hub = new EventHub({
    broker: ctx.broker,
    datastore: ctx.datastore,
    redactor: ctx.redactor,
    logger: ctx.logger,
  });
  const streams = new StreamSet();
  // Before the server closes: an open stream would otherwise hold `close()` forever.
  app.addHook('preClose', async () => {
    streams.endAll();
    await hub.close();
  });

  void app.register(
    async (ui) => {
      registerJobViewRoutes(ui, ctx, hub);
      registerLogRoutes(ui, ctx, hub);
      registerClusterRoutes(ui, ctx, hub);
      registerScheduledRoutes(ui, ctx, hub);
      registerEditorRoutes(ui, ctx, { examplesDir });
      registerStreamRoute(ui, ctx, hub, streams, options.stream);
      ui.get('/api/info', async (_request, reply) => reply.send({ version: ctx.version }));
      ui.all('/api/*', async () => {
        throw new NotFoundError('Not Found');
      });

      const assets = `${assetsDir.replace(/\/$/, '')}/assets`;
      if (existsSync(assets)) {
        // Hashed file names: cached for a year, never revalidated.
        await ui.register(fastifyStatic, {
          root: assets,
          prefix: '/assets/',
          decorateReply: false,
          immutable: true,
          maxAge: '365d',
          index: false,
          preCompressed: true,
        });
      }
      let index: string | undefined;
      const sendIndex = async (_request: unknown, reply: FastifyReply) => {
        index ??= await readFile(`${assetsDir.replace(/\/$/, '')}/index.html`, 'utf8').catch(() => undefined);
        if (index === undefined)
          return reply.code(503).header('content-type', 'text/plain; charset=utf-8').send(NOT_BUILT);
        // Every app path (`/ui/jobs/…`) answers with the app; it is revalidated on each load.
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-cache')
          .send(index);
      };
      ui.get('/', sendIndex);
      ui.get('/*', sendIndex);
    },
    { prefix: '/ui' },
  );
}
