import type { FastifyInstance, FastifyRequest } from 'fastify';

import { renderGauge, type Sample } from '../../metrics.js';
import type { ApiContext } from '../context.js';
import { sendJson } from '../reply.js';

/** The content type Prometheus scrapes (text exposition format 0.0.4). */
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics` (api spec §2.9) in Tork's JSON shape, or, when the client asks for text
 * (`Accept: text/plain` or OpenMetrics, as Prometheus does) and not for JSON, in Prometheus'
 * text format. `GET /metrics/prometheus` always answers text.
 */
export function registerMetricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/metrics', async (request, reply) => {
    if (wantsText(request))
      return reply
        .code(200)
        .header('content-type', PROMETHEUS_TYPE)
        .send(await prometheusText(ctx));
    const m = await ctx.datastore.getMetrics(new Date());
    return sendJson(reply, 200, {
      jobs: { running: m.jobs.running },
      tasks: { running: m.tasks.running },
      nodes: { online: m.nodes.online, cpuPercent: m.nodes.cpuPercent },
    });
  });

  app.get('/metrics/prometheus', async (_request, reply) =>
    reply
      .code(200)
      .header('content-type', PROMETHEUS_TYPE)
      .send(await prometheusText(ctx)),
  );
}

/**
 * Text only when asked for and JSON is not: tork-web (axios) sends
 * `application/json, text/plain, *\/*` and must keep getting JSON.
 */
function wantsText(request: FastifyRequest): boolean {
  const accept = (request.headers.accept ?? '').toLowerCase();
  if (accept.includes('application/json')) return false;
  return accept.includes('text/plain') || accept.includes('application/openmetrics-text');
}

/**
 * Gauges read now (active jobs and tasks by state, queue depths, nodes), then the counters and
 * histograms the coordinator of this process keeps (finished jobs and tasks, task durations,
 * retries, webhook deliveries).
 */
async function prometheusText(ctx: ApiContext): Promise<string> {
  const [counts, m, queues] = await Promise.all([
    ctx.datastore.countActiveStates(),
    ctx.datastore.getMetrics(new Date()),
    ctx.broker.queues(),
  ]);
  const byState = (map: Record<string, number | undefined>): Sample[] =>
    Object.entries(map).map(([state, value]) => ({ labels: { state }, value: value ?? 0 }));
  const perQueue = (pick: (q: (typeof queues)[number]) => number): Sample[] =>
    queues.map((q) => ({ labels: { queue: q.name }, value: pick(q) }));
  return [
    renderGauge('drover_jobs', 'Jobs in each active state.', byState(counts.jobs)),
    renderGauge('drover_tasks', 'Task records in each active state.', byState(counts.tasks)),
    renderGauge(
      'drover_queue_messages',
      'Messages waiting in each broker queue.',
      perQueue((q) => q.size),
    ),
    renderGauge(
      'drover_queue_consumers',
      'Consumers of each broker queue.',
      perQueue((q) => q.subscribers),
    ),
    renderGauge(
      'drover_queue_unacked',
      'Messages of each queue being handled.',
      perQueue((q) => q.unacked),
    ),
    renderGauge(
      'drover_nodes_online',
      'Coordinators and workers that sent a heartbeat in the last 5 minutes.',
      [{ value: m.nodes.online }],
    ),
    renderGauge('drover_nodes_cpu_percent', 'Average CPU use of the online nodes.', [
      { value: m.nodes.cpuPercent },
    ]),
    ctx.metrics?.render() ?? '',
  ].join('');
}
