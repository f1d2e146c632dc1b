/** The UI's event sequence: replay after a cursor, and `reset` whenever that cannot be exact. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { EventHub } from '../../src/api/ui/hub.js';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import type { Datastore } from '../../src/datastore/datastore.js';
import { silentLogger } from '../../src/logger.js';
import { createRedactor } from '../../src/model/redact.js';
import type { Job } from '../../src/model/job.js';

const broker = new InMemoryBroker({ logger: silentLogger() });
const job = (state: Job['state']): Job => ({
  id: 'j',
  name: 'j',
  state,
  createdAt: new Date(0),
  tasks: [],
  position: 1,
  taskCount: 1,
  context: {},
  secrets: { k: 'topsecret' },
  error: 'failed with topsecret',
});
let hub: EventHub;

afterEach(async () => {
  await hub?.close();
});

afterAll(async () => {
  await broker.close();
});

async function start(idleMs: number): Promise<EventHub> {
  hub = new EventHub({
    broker,
    datastore: {} as Datastore,
    redactor: createRedactor({ enabled: true }),
    logger: silentLogger(),
    idleMs,
    capacity: 3,
  });
  await hub.attach();
  return hub;
}

describe('the UI event hub', () => {
  it('replays what came after a cursor, redacted, and resets once the ring no longer holds it', async () => {
    const h = await start(60_000);
    const cursor = h.cursor();
    await broker.publishEvent('job.running', { kind: 'job', job: job('RUNNING') });
    await waitFor(
      () =>
        h.resume(cursor).kind === 'replay' && (h.resume(cursor) as { events: unknown[] }).events.length === 1,
    );
    const replay = h.resume(cursor);
    expect(
      replay.kind === 'replay' &&
        replay.events.map((e) => [e.type, e.data.state, e.json.includes('topsecret')]),
    ).toEqual([['job', 'RUNNING', false]]);
    for (const state of ['RUNNING', 'RUNNING', 'FAILED'] as const)
      await broker.publishEvent(`job.${state.toLowerCase()}`, { kind: 'job', job: job(state) });
    await waitFor(() => h.cursor().endsWith(':5'));
    expect(h.resume(cursor)).toEqual({ kind: 'reset' });
    expect(h.resume('someone-else:1')).toEqual({ kind: 'reset' });
  });

  it('stops listening once the UI is idle, and resets a cursor from before the gap', async () => {
    const h = await start(0);
    const cursor = h.cursor();
    await waitFor(
      async () =>
        (await h.resume(cursor)).kind === 'replay' && !(h as unknown as { attaching?: unknown }).attaching,
      { timeoutMs: 5000 },
    );
    await broker.publishEvent('job.running', { kind: 'job', job: job('RUNNING') });
    await h.attach();
    expect(h.resume(cursor)).toEqual({ kind: 'reset' });
    const after = await h.snapshotCursor();
    await broker.publishEvent('job.completed', { kind: 'job', job: job('COMPLETED') });
    await waitFor(
      () =>
        h.resume(after).kind === 'replay' && (h.resume(after) as { events: unknown[] }).events.length === 1,
    );
  });
});
