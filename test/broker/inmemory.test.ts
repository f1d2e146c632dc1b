import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { InMemoryBroker } from '../../src/broker/inmemory.js';
import { silentLogger } from '../../src/logger.js';
import { runBrokerContract } from '../contract/broker.contract.js';

runBrokerContract('in-memory', async () => new InMemoryBroker({ logger: silentLogger() }));

describe('InMemoryBroker', () => {
  it('requires a logger', () => {
    expect(() => new InMemoryBroker({} as never)).toThrow('InMemoryBroker: option "logger" is required');
  });

  it('drops a message after its handler failed maxDeliveries times', async () => {
    const broker = new InMemoryBroker({ logger: silentLogger(), maxDeliveries: 3 });
    let calls = 0;
    await broker.subscribe('q', async () => {
      calls++;
      throw new Error('always');
    });
    await broker.publish('q', { kind: 'task', task: { id: '1' } });
    await waitFor(async () => calls === 3 && (await broker.queueInfo('q')).unacked === 0);
    expect((await broker.queueInfo('q')).size).toBe(0);
    await broker.close();
  });
});
