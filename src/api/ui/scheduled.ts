/**
 * `GET /ui/api/scheduled`: every scheduled job with its cron in words, its next run and its
 * last 30 runs (for the run strip). Actions go through Tork's `/scheduled-jobs` routes.
 */
import type { FastifyInstance } from 'fastify';
import type { ScheduledJob } from '../../model/scheduled-job.js';
import type { ApiContext } from '../context.js';
import { cronPreview } from './editor.js';
import { listFilterOf } from '../auth/principal.js';
import type { EventHub } from './hub.js';
import { jobBrief, type JobBrief } from './shapes.js';
import { sendSnapshot } from './snapshot.js';

export interface ScheduledView {
  id: string;
  name: string;
  description?: string;
  cron: string;
  cronWords?: string;
  state: ScheduledJob['state'];
  createdAt: number;
  tags?: string[];
  /** Next run (epoch ms), when ACTIVE and the cron fires. */
  next?: number;
  /** The cron validated at submit but has no future date (spec quirk 11). */
  never: boolean;
  /** Newest first. */
  runs: JobBrief[];
}

const RUNS = 30;
const PAGE = 100;

async function allScheduled(ctx: ApiContext, filter: { username?: string }): Promise<ScheduledJob[]> {
  const out: ScheduledJob[] = [];
  for (let page = 1; ; page++) {
    const result = await ctx.datastore.listScheduledJobs({ page, size: PAGE, ...filter });
    out.push(...result.items);
    if (page >= result.totalPages || result.items.length === 0) return out;
  }
}

export function registerScheduledRoutes(app: FastifyInstance, ctx: ApiContext, hub: EventHub): void {
  app.get('/api/scheduled', async (request, reply) => {
    const cursor = await hub.snapshotCursor();
    const items: ScheduledView[] = [];
    const filter = listFilterOf(request.principal);
    for (const sj of await allScheduled(ctx, filter)) {
      const preview = cronPreview(sj.cron, 1);
      const runs = await ctx.datastore.listJobSummaries({ scheduledJobId: sj.id, limit: RUNS, ...filter });
      const view: ScheduledView = {
        id: sj.id,
        name: sj.name,
        cron: sj.cron,
        state: sj.state,
        createdAt: sj.createdAt.getTime(),
        never: preview.ok && preview.next.length === 0,
        runs: runs.items.map((job) => jobBrief(ctx.redactor.redactSummary(job))),
      };
      if (sj.description) view.description = sj.description;
      if (preview.description) view.cronWords = preview.description;
      if (sj.tags?.length) view.tags = sj.tags;
      if (sj.state === 'ACTIVE' && preview.next[0]) view.next = preview.next[0];
      items.push(view);
    }
    return sendSnapshot(request, reply, { items }, cursor);
  });
}
