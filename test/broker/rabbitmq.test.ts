import { Writable } from 'node:stream';
import { connect } from 'amqplib';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deferred, waitFor } from '../../src/async.js';
import { QUEUE, type Broker, type DeliveryInfo, type Message } from '../../src/broker/broker.js';
import { RabbitMqBroker, type RabbitMqBrokerOptions } from '../../src/broker/rabbitmq/broker.js';
import { UnavailableError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { silentLogger } from '../../src/logger.js';
import { runBrokerContract } from '../contract/broker.contract.js';
import { closeAllConnections, createVhost, management, type TestVhost } from '../helpers/rabbitmq.js';

let vhost: TestVhost;
beforeAll(async () => {
  vhost = await createVhost();
});
afterAll(async () => {
  await vhost?.remove();
});

runBrokerContract('rabbitmq', () => RabbitMqBroker.connect({ url: vhost.url, logger: silentLogger(), retryDelayMs: 20 }));

/** A logger whose JSON lines the test can read. */
function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => lines };
}

async function queueDetails(name: string): Promise<Record<string, any>> {
  const res = await management('GET', `/api/queues/${encodeURIComponent(vhost.name)}/${encodeURIComponent(name)}`);
  return (await res.json()) as Record<string, any>;
}

describe('RabbitMqBroker', () => {
  const open: Broker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  async function newBroker(options: Partial<RabbitMqBrokerOptions> = {}): Promise<RabbitMqBroker> {
    const broker = await RabbitMqBroker.connect({ url: vhost.url, logger: silentLogger(), retryDelayMs: 20, ...options });
    open.push(broker);
    return broker;
  }
  const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

  it('requires a url and a logger, and says where RabbitMQ could not be reached', async () => {
    await expect(RabbitMqBroker.connect({} as never)).rejects.toThrow('RabbitMqBroker: option "url" is required');
    await expect(RabbitMqBroker.connect({ url: vhost.url } as never)).rejects.toThrow('RabbitMqBroker: option "logger" is required');
    await expect(
      RabbitMqBroker.connect({ url: 'amqp://guest:secret@127.0.0.1:1/', logger: silentLogger(), initialAttempts: 1 }),
    ).rejects.toThrow(/^cannot connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/\?heartbeat=10|^cannot connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\//);
  });

  it("declares durable queues with Tork's arguments and sends Tork's JSON as persistent messages", async () => {
    const broker = await newBroker();
    const queue = unique('gpu');
    await broker.publish(queue, { kind: 'task', task: { id: 't1', name: 'render', state: 'SCHEDULED', priority: 7 } }, { priority: 7 });
    await broker.publish('heartbeat', { kind: 'node', node: { id: 'n1', name: 'w', startedAt: new Date(0), lastHeartbeatAt: new Date(0), status: 'UP', version: '1' } });
    const details = await queueDetails(queue);
    expect(details).toMatchObject({ durable: true, exclusive: false, auto_delete: false });
    expect(details.arguments).toMatchObject({ 'x-max-priority': 9, 'x-queue-type': 'classic' });
    expect((await queueDetails('heartbeat')).arguments).toMatchObject({ 'x-message-ttl': 60000, 'x-queue-type': 'classic' });
    const res = await management('POST', `/api/queues/${encodeURIComponent(vhost.name)}/${encodeURIComponent(queue)}/get`, {
      count: 1,
      ackmode: 'ack_requeue_false',
      encoding: 'auto',
    });
    const [got] = (await res.json()) as Array<{ payload: string; properties: Record<string, any> }>;
    expect(JSON.parse(got!.payload)).toEqual({ id: 't1', name: 'render', state: 'SCHEDULED', priority: 7 });
    expect(got!.properties).toMatchObject({
      delivery_mode: 2,
      priority: 7,
      type: '*tork.Task',
      content_type: 'application/json',
      headers: { 'x-drover-protocol': 1 },
    });
  });

  it('gives every consumer back after all its connections are closed, and loses no message', async () => {
    const broker = await newBroker();
    const queue = unique('logs');
    const firsts = new Set<number>();
    const deliveries: Array<{ n: number; redelivered: boolean }> = [];
    await broker.subscribe(
      queue,
      async (m, info) => {
        if (m.kind !== 'log') return;
        deliveries.push({ n: m.part.number, redelivered: info.redelivered });
        if (!info.redelivered) firsts.add(m.part.number);
      },
      { concurrency: 2 },
    );
    const events: string[] = [];
    await broker.subscribeEvents('job.*', (topic) => void events.push(topic));
    for (let n = 1; n <= 40; n++) {
      if (n === 20) await closeAllConnections(vhost.name);
      await broker.publish(queue, { kind: 'log', part: { taskId: 't', number: n, contents: `line ${n}` } });
    }
    await waitFor(() => new Set(deliveries.map((d) => d.n)).size === 40, { timeoutMs: 20_000, message: 'all 40 messages' });
    // A message is seen twice only when RabbitMQ redelivered it, flagged, after the drop.
    expect(firsts.size).toBe(deliveries.filter((d) => !d.redelivered).length);
    await waitFor(async () => broker.healthCheck().then(() => true, () => false));
    await waitFor(
      async () => {
        await broker.publishEvent('job.completed', { kind: 'job', job: { id: 'j', name: 'j', state: 'COMPLETED', createdAt: new Date(0), tasks: [], position: 1, context: {}, taskCount: 1 } });
        return events.length > 0;
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'an event after the reconnection' },
    );
  });

  it('holds a few messages beyond its concurrency on a coordinator queue, and none on a task queue', async () => {
    const broker = await newBroker();
    const gate = deferred<void>();
    const seen = { started: 0, task: 0 };
    await broker.subscribe(QUEUE.started, async () => {
      seen.started++;
      await gate.promise;
    });
    const taskQueue = unique('tasks');
    await broker.subscribe(taskQueue, async () => {
      seen.task++;
      await gate.promise;
    });
    for (let n = 0; n < 4; n++) {
      await broker.publish(QUEUE.started, { kind: 'task', task: { id: `s${n}` } });
      await broker.publish(taskQueue, { kind: 'task', task: { id: `t${n}` } });
    }
    // `started`: one handler running, the other three delivered and waiting in this process.
    await waitFor(async () => (await broker.queueInfo(QUEUE.started)).unacked === 4, { message: 'started prefetched' });
    // The task queue: one running, three still in RabbitMQ for any other worker to take.
    await waitFor(async () => (await broker.queueInfo(taskQueue)).size === 3, { message: 'tasks left queued' });
    expect((await broker.queueInfo(taskQueue)).unacked).toBe(1);
    expect(seen).toEqual({ started: 1, task: 1 });
    gate.resolve();
    await waitFor(() => seen.started === 4 && seen.task === 4, { message: 'every message handled' });
    await broker.deleteQueue(QUEUE.started);
  });

  it('delivers, in order, every message published in one tick', async () => {
    const broker = await newBroker();
    const queue = unique('logs');
    const numbers: number[] = [];
    await broker.subscribe(queue, async (m) => void (m.kind === 'log' && numbers.push(m.part.number)));
    const events: string[] = [];
    await broker.subscribeEvents('task.*', (topic) => void events.push(topic));
    // Published without awaiting in between: the frames leave together (one socket write).
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        Promise.all([
          broker.publish(queue, { kind: 'log', part: { taskId: 't', number: i + 1, contents: 'x'.repeat(i * 10) } }),
          broker.publishEvent(`task.n${i}`, { kind: 'task', task: { id: `t${i}` } }),
        ]),
      ),
    );
    await waitFor(() => numbers.length === 300 && events.length === 300, { timeoutMs: 20_000, message: 'all 300 messages' });
    expect(numbers).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(events).toEqual(Array.from({ length: 300 }, (_, i) => `task.n${i}`));
  });

  it('forwards a task that RabbitMQ redelivers on a task queue to redeliveries instead of running it again', async () => {
    const worker = await newBroker();
    const coordinator = await newBroker();
    const queue = unique('default');
    const started: string[] = [];
    const release = deferred();
    await worker.subscribe(queue, async (m) => {
      if (m.kind === 'task') started.push(m.task.id!);
      await release.promise;
    });
    const forwarded: Array<{ message: Message; info: DeliveryInfo }> = [];
    await coordinator.subscribe('redeliveries', async (message, info) => void forwarded.push({ message, info }));
    await coordinator.publish(queue, { kind: 'task', task: { id: 'long', name: 'long', state: 'SCHEDULED', redelivered: 0 } });
    await waitFor(() => started.length === 1);
    try {
      await closeAllConnections(vhost.name);
      await waitFor(() => forwarded.length === 1, { timeoutMs: 15_000, message: 'the redelivered task on redeliveries' });
    } finally {
      release.resolve();
    }
    expect(started).toEqual(['long']);
    expect(forwarded[0]!.message).toMatchObject({ kind: 'task', task: { id: 'long', state: 'SCHEDULED' } });
    expect(forwarded[0]!.info.failure).toBeUndefined();
  });

  it('moves a task whose handler keeps failing to redeliveries, with the queue and the last error', async () => {
    const broker = await newBroker({ maxDeliveries: 3 });
    const queue = unique('completed-like');
    let runs = 0;
    await broker.subscribe(queue, async () => {
      runs++;
      throw new Error(`boom ${runs}`);
    });
    const forwarded: DeliveryInfo[] = [];
    await broker.subscribe('redeliveries', async (_m, info) => void forwarded.push(info));
    await broker.publish(queue, { kind: 'task', task: { id: 'poison', name: 'p' } });
    await waitFor(() => forwarded.length === 1, { message: 'the failed task on redeliveries' });
    expect(runs).toBe(3);
    expect(forwarded[0]).toEqual({ redelivered: false, failure: { queue, error: 'boom 3' } });
  });

  it('keeps a message whose handler cannot reach a service for as long as the outage lasts', async () => {
    const broker = await newBroker({ maxDeliveries: 2 });
    const queue = unique('completed-like');
    let runs = 0;
    let handled = false;
    await broker.subscribe(queue, async () => {
      runs++;
      if (runs <= 4) throw new UnavailableError('postgres: Connection terminated unexpectedly');
      handled = true;
    });
    const forwarded: DeliveryInfo[] = [];
    await broker.subscribe('redeliveries', async (_m, info) => void forwarded.push(info));
    await broker.publish(queue, { kind: 'task', task: { id: 'patient', name: 'p' } });
    await waitFor(() => handled, { message: 'the handler to succeed after the outage' });
    expect(runs).toBe(5);
    expect(forwarded).toEqual([]);
  });

  it('parks a message that is not a task in dead-letters once its handler has failed too often', async () => {
    const broker = await newBroker({ maxDeliveries: 2 });
    const queue = unique('logs');
    const seen: boolean[] = [];
    await broker.subscribe(queue, async (_m, info) => {
      seen.push(info.redelivered);
      throw new Error('always');
    });
    const before = await broker.queueInfo('dead-letters').then((q) => q.size, () => 0);
    await broker.publish(queue, { kind: 'log', part: { taskId: 't', number: 1, contents: 'x' } });
    await waitFor(async () => (await broker.queueInfo('dead-letters').catch(() => undefined))?.size === before + 1, {
      message: 'the parked message',
    });
    expect(seen).toEqual([false, true]);
  });

  it('refuses a message from a node of another protocol version with a clear log line', async () => {
    const { logger, lines } = capturingLogger();
    const broker = await newBroker({ logger });
    const queue = unique('heartbeat-like');
    const handled: Message[] = [];
    await broker.subscribe(queue, async (m) => void handled.push(m));
    const raw = await connect(vhost.url);
    try {
      const channel = await raw.createConfirmChannel();
      const node = { id: 'future-node', name: 'Worker', version: '9.0.0', hostname: 'far', status: 'UP' };
      channel.sendToQueue(queue, Buffer.from(JSON.stringify(node)), {
        type: '*tork.Node',
        headers: { 'x-drover-protocol': 2 },
      });
      await channel.waitForConfirms();
    } finally {
      await raw.close();
    }
    const refusal = await waitFor(() => lines().find((l) => String(l.msg).startsWith('refused a message')), {
      message: 'the refusal log line',
    });
    expect(refusal).toMatchObject({
      level: 50,
      msg:
        'refused a message from a node speaking protocol 2; this node speaks protocol 1. ' +
        'Run the same Drover release on every node (the message is kept in the dead-letters queue)',
      queue,
      protocol: 2,
      expected: 1,
      senderNodeId: 'future-node',
      senderVersion: '9.0.0',
      senderHostname: 'far',
    });
    expect(handled).toEqual([]);
  });

  it('deletes a queue nobody consumes, and only empties one that has consumers', async () => {
    const broker = await newBroker();
    const idle = unique('idle');
    const busy = unique('busy');
    await broker.publish(idle, { kind: 'task', task: { id: '1' } });
    const block = deferred();
    await broker.subscribe(busy, () => block.promise);
    await broker.publish(busy, { kind: 'task', task: { id: 'a' } });
    await broker.publish(busy, { kind: 'task', task: { id: 'b' } });
    await broker.deleteQueue(idle);
    await broker.deleteQueue(busy);
    expect((await management('GET', `/api/queues/${encodeURIComponent(vhost.name)}/${idle}`)).status).toBe(404);
    expect(await broker.queueInfo(busy)).toMatchObject({ name: busy, size: 0, subscribers: 1 });
    block.resolve();
  });

  it('reports itself unhealthy while RabbitMQ is unreachable', async () => {
    const broker = await newBroker();
    await expect(broker.healthCheck()).resolves.toBeUndefined();
    await closeAllConnections(vhost.name);
    await waitFor(async () => broker.healthCheck().then(() => false, (err: Error) => err.message === 'broker is disconnected from RabbitMQ'), {
      message: 'the broker to notice',
    }).catch(() => undefined);
    await waitFor(async () => broker.healthCheck().then(() => true, () => false), { message: 'the broker to reconnect' });
  });
});
