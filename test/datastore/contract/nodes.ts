import { describe, expect, it } from 'vitest';
import { at, makeJob, makeNode, makeTask, T0, type DatastoreContext } from './fixtures.js';

const MINUTE = 60_000;

export function describeNodesAndMetrics(ctx: DatastoreContext): void {
  describe('nodes and metrics', () => {
    it('inserts a node and returns it as given', async () => {
      const node = makeNode({ port: 8001 });
      await ctx.ds.upsertNode(node);
      expect(await ctx.ds.findNode(node.id)).toEqual(node);
      expect(await ctx.ds.findNode('unknown')).toBeUndefined();
    });

    it('updates the heartbeat fields of a node from a newer heartbeat only', async () => {
      const node = makeNode();
      await ctx.ds.upsertNode(node);
      const newer = {
        ...node,
        name: 'Renamed',
        lastHeartbeatAt: at(MINUTE),
        cpuPercent: 50,
        status: 'DOWN' as const,
        taskCount: 3,
      };
      await ctx.ds.upsertNode(newer);
      expect(await ctx.ds.findNode(node.id)).toEqual({
        ...node,
        lastHeartbeatAt: at(MINUTE),
        cpuPercent: 50,
        status: 'DOWN',
        taskCount: 3,
      });
      await ctx.ds.upsertNode({
        ...node,
        lastHeartbeatAt: at(30_000),
        cpuPercent: 1,
        status: 'UP',
        taskCount: 9,
      });
      expect(await ctx.ds.findNode(node.id)).toMatchObject({
        lastHeartbeatAt: at(MINUTE),
        cpuPercent: 50,
        status: 'DOWN',
        taskCount: 3,
      });
    });

    it('lists the nodes with a heartbeat after a time, by name', async () => {
      await ctx.ds.upsertNode(makeNode({ name: 'b-worker', lastHeartbeatAt: at(10 * MINUTE) }));
      await ctx.ds.upsertNode(
        makeNode({ name: 'a-coordinator', lastHeartbeatAt: at(9 * MINUTE), queue: undefined }),
      );
      await ctx.ds.upsertNode(makeNode({ name: 'c-stale', lastHeartbeatAt: at(MINUTE) }));
      const nodes = await ctx.ds.getActiveNodes(at(5 * MINUTE));
      expect(nodes.map((n) => n.name)).toEqual(['a-coordinator', 'b-worker']);
      expect(nodes[0]?.queue).toBeUndefined();
    });

    it('counts running jobs, running tasks of running jobs, and nodes seen in the last five minutes', async () => {
      const running = makeJob({ state: 'RUNNING' });
      const scheduled = makeJob({ state: 'SCHEDULED' });
      await ctx.ds.createJob(running);
      await ctx.ds.createJob(scheduled);
      await ctx.ds.createJob(makeJob({ state: 'RUNNING' }));
      await ctx.ds.createTasks([
        makeTask(running, { state: 'RUNNING' }),
        makeTask(running, { state: 'RUNNING' }),
        makeTask(running, { state: 'COMPLETED' }),
        makeTask(scheduled, { state: 'RUNNING' }),
      ]);
      await ctx.ds.upsertNode(makeNode({ lastHeartbeatAt: at(10 * MINUTE), cpuPercent: 20 }));
      await ctx.ds.upsertNode(makeNode({ lastHeartbeatAt: at(6 * MINUTE), cpuPercent: 40, status: 'DOWN' }));
      await ctx.ds.upsertNode(makeNode({ lastHeartbeatAt: at(4 * MINUTE), cpuPercent: 90 }));
      expect(await ctx.ds.getMetrics(at(10 * MINUTE))).toEqual({
        jobs: { running: 2 },
        tasks: { running: 2 },
        nodes: { online: 2, cpuPercent: 30 },
      });
    });

    it('reports zero nodes and zero CPU when no node is online', async () => {
      await ctx.ds.upsertNode(makeNode({ lastHeartbeatAt: T0, cpuPercent: 80 }));
      expect(await ctx.ds.getMetrics(at(60 * MINUTE))).toEqual({
        jobs: { running: 0 },
        tasks: { running: 0 },
        nodes: { online: 0, cpuPercent: 0 },
      });
    });
  });
}
