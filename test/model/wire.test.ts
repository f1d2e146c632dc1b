import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/model/task.js';
import { formatTime, jobFromWire, jobToWire, taskFromWire, taskToWire } from '../../src/model/wire.js';

describe('wire shapes', () => {
  it("trims a time's fraction of its trailing zeros, as Go's RFC3339Nano does", () => {
    expect(formatTime(new Date('2024-05-01T10:20:30.000Z'))).toBe('2024-05-01T10:20:30Z');
    expect(formatTime(new Date('2024-05-01T10:20:30.100Z'))).toBe('2024-05-01T10:20:30.1Z');
    expect(formatTime(new Date('2024-05-01T10:20:30.120Z'))).toBe('2024-05-01T10:20:30.12Z');
    expect(formatTime(new Date('2024-05-01T10:20:30.123Z'))).toBe('2024-05-01T10:20:30.123Z');
    expect(formatTime(new Date('2024-05-01T10:20:00.000Z'))).toBe('2024-05-01T10:20:00Z');
  });

  it("writes fields in Tork's order whatever the order of the object's own keys", () => {
    const task = { result: 'r', run: 'true', name: 'n', id: 't1', state: 'COMPLETED', unknown: 1 } as unknown as Task;
    expect(JSON.stringify(taskToWire(task))).toBe('{"id":"t1","name":"n","state":"COMPLETED","run":"true","result":"r"}');
  });

  it('writes fresh fallbacks for missing fields, never shared between results', () => {
    const first = jobToWire({ id: 'j', name: 'j', state: 'PENDING' } as never);
    const second = jobToWire({ id: 'j', name: 'j', state: 'PENDING' } as never);
    expect(first).toMatchObject({ createdAt: '0001-01-01T00:00:00Z', tasks: [], execution: [], position: 0, context: {} });
    expect(first.tasks).not.toBe(second.tasks);
    expect(first.context).not.toBe(second.context);
  });

  it('reads back what it wrote, nested tasks and times included, and skips unknown and null fields', () => {
    const createdAt = new Date('2024-05-01T10:20:30.5Z');
    const job = jobFromWire({
      id: 'j',
      name: 'j',
      state: 'RUNNING',
      createdAt: '2024-05-01T10:20:30.5Z',
      tasks: [{ name: 'a', run: 'true', retry: { limit: 2 }, parallel: { tasks: [{ name: 'b', run: 'x' }] } }],
      bogus: true,
      error: null,
    });
    expect(job).toEqual({
      id: 'j',
      name: 'j',
      state: 'RUNNING',
      createdAt,
      tasks: [{ name: 'a', run: 'true', retry: { limit: 2 }, parallel: { tasks: [{ name: 'b', run: 'x' }] } }],
      context: {},
      position: 0,
      taskCount: 0,
    });
    expect(taskFromWire(taskToWire({ id: 't', createdAt, env: { B: '2', A: '1' } }))).toEqual({ id: 't', createdAt, env: { A: '1', B: '2' } });
  });
});
