import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deferred, waitFor } from '../../src/async.js';
import type { Broker, Event, Message } from '../../src/broker/broker.js';
import { NotFoundError } from '../../src/errors.js';

function taskMessage(id: string, extra: Record<string, unknown> = {}): Message {
  return { kind: 'task', task: { id, name: id, ...extra } };
}

/** Behaviour every Broker implementation must have. */
export function runBrokerContract(name: string, create: () => Promise<Broker>): void {
  describe(`${name} broker contract`, () => {
    let broker: Broker;
    let queue: string;
    beforeEach(async () => {
      broker = await create();
      queue = `test-${randomUUID()}`;
    });
    afterEach(async () => {
      await broker.close();
    });

    it('delivers a published message to a subscriber as a copy', async () => {
      const got = deferred<Message>();
      await broker.subscribe(queue, async (m) => got.resolve(m));
      const sent = taskMessage('a', { env: { A: '1' } });
      await broker.publish(queue, sent);
      (sent as any).task.env.A = 'changed';
      const m = await got.promise;
      expect(m).toEqual(taskMessage('a', { env: { A: '1' } }));
    });

    it('keeps messages published before anyone subscribes, in order', async () => {
      for (const id of ['1', '2', '3']) await broker.publish(queue, taskMessage(id));
      const seen: string[] = [];
      await broker.subscribe(queue, async (m) => {
        if (m.kind === 'task') seen.push(m.task.id!);
      });
      await waitFor(() => seen.length === 3);
      expect(seen).toEqual(['1', '2', '3']);
    });

    it('delivers higher priority first', async () => {
      await broker.publish(queue, taskMessage('low'), { priority: 0 });
      await broker.publish(queue, taskMessage('high'), { priority: 9 });
      await broker.publish(queue, taskMessage('mid'), { priority: 5 });
      const seen: string[] = [];
      await broker.subscribe(queue, async (m) => {
        if (m.kind === 'task') seen.push(m.task.id!);
      });
      await waitFor(() => seen.length === 3);
      expect(seen).toEqual(['high', 'mid', 'low']);
    });

    it('never runs more handlers of one subscription at once than its concurrency', async () => {
      for (let i = 0; i < 20; i++) await broker.publish(queue, taskMessage(String(i)));
      let started = 0;
      let running = 0;
      let peak = 0;
      let done = 0;
      await broker.subscribe(
        queue,
        async () => {
          started++;
          running++;
          peak = Math.max(peak, running);
          // Hold each handler until the subscription is full (or nothing more can come), so that
          // a remote broker's delivery latency cannot hide a missing or an exceeded limit.
          await waitFor(() => running === 3 || started === 20, { intervalMs: 2 });
          await new Promise((r) => setImmediate(r));
          running--;
          done++;
        },
        { concurrency: 3 },
      );
      await waitFor(() => done === 20);
      expect(peak).toBe(3);
    });

    it('redelivers a message whose handler throws, flagged as redelivered', async () => {
      const flags: boolean[] = [];
      await broker.subscribe(queue, async (_m, info) => {
        flags.push(info.redelivered);
        if (flags.length === 1) throw new Error('boom');
      });
      await broker.publish(queue, taskMessage('x'));
      await waitFor(() => flags.length === 2);
      expect(flags).toEqual([false, true]);
    });

    it('reports sizes, subscribers and unacked counts, and 404s an unknown queue', async () => {
      await broker.publish(queue, taskMessage('1'));
      await broker.publish(queue, taskMessage('2'));
      expect(await broker.queueInfo(queue)).toEqual({ name: queue, size: 2, subscribers: 0, unacked: 0 });
      const release = deferred();
      await broker.subscribe(queue, () => release.promise);
      await waitFor(async () => (await broker.queueInfo(queue)).unacked === 1);
      expect(await broker.queueInfo(queue)).toEqual({ name: queue, size: 1, subscribers: 1, unacked: 1 });
      expect((await broker.queues()).map((q) => q.name)).toContain(queue);
      release.resolve();
      await expect(broker.queueInfo(`missing-${queue}`)).rejects.toThrow(new NotFoundError(`queue missing-${queue} not found`));
    });

    it('drops waiting messages when a queue is deleted', async () => {
      await broker.publish(queue, taskMessage('1'));
      await broker.deleteQueue(queue);
      const after = await broker.queueInfo(queue).catch(() => undefined);
      expect(after?.size ?? 0).toBe(0);
      await expect(broker.deleteQueue(`missing-${queue}`)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('fans events out to every subscriber whose pattern matches', async () => {
      const a: string[] = [];
      const b: string[] = [];
      await broker.subscribeEvents('job.*', (topic) => void a.push(topic));
      await broker.subscribeEvents('job.completed', (topic) => void b.push(topic));
      const event: Event = { kind: 'task', task: { id: 't' } };
      await broker.publishEvent('job.completed', event);
      await broker.publishEvent('job.failed', event);
      await broker.publishEvent('task.completed', event);
      await waitFor(() => a.length === 2 && b.length === 1);
      expect(a.sort()).toEqual(['job.completed', 'job.failed']);
      expect(b).toEqual(['job.completed']);
    });

    it('stops delivering events after the subscription closes', async () => {
      const seen: string[] = [];
      const sub = await broker.subscribeEvents('x.*', (topic) => void seen.push(topic));
      await broker.publishEvent('x.one', { kind: 'task', task: {} });
      await waitFor(() => seen.length === 1);
      await sub.close();
      await broker.publishEvent('x.two', { kind: 'task', task: {} });
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual(['x.one']);
    });

    it('is healthy while open and refuses work once closed', async () => {
      await expect(broker.healthCheck()).resolves.toBeUndefined();
      await broker.close();
      await expect(broker.healthCheck()).rejects.toThrow();
      await expect(broker.publish(queue, taskMessage('late'))).rejects.toThrow();
    });
  });
}
