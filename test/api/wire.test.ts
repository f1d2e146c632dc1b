import { describe, expect, it } from 'vitest';

import type { Job } from '../../src/model/job.js';
import type { Node } from '../../src/model/node.js';
import type { Task } from '../../src/model/task.js';
import {
  encodeJson,
  formatTime,
  jobFromWire,
  jobSummaryToWire,
  jobToWire,
  logPartFromWire,
  logPartToWire,
  nodeFromWire,
  nodeToWire,
  pageToWire,
  scheduledJobSummaryToWire,
  scheduledJobToWire,
  taskFromWire,
  taskSummaryToWire,
  taskToWire,
  userToWire,
} from '../../src/model/wire.js';

const T0 = new Date('2024-05-01T10:20:30.120Z');

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    name: 'hello',
    state: 'PENDING',
    createdAt: T0,
    tasks: [],
    position: 0,
    context: {},
    taskCount: 0,
    ...overrides,
  };
}

describe('timestamps', () => {
  it('trims trailing zeros of the fraction and drops a zero fraction entirely', () => {
    expect(formatTime(new Date('2024-05-01T10:20:30.120Z'))).toBe('2024-05-01T10:20:30.12Z');
    expect(formatTime(new Date('2024-05-01T10:20:30.100Z'))).toBe('2024-05-01T10:20:30.1Z');
    expect(formatTime(new Date('2024-05-01T10:20:30.005Z'))).toBe('2024-05-01T10:20:30.005Z');
    expect(formatTime(new Date('2024-05-01T10:20:30.000Z'))).toBe('2024-05-01T10:20:30Z');
    expect(formatTime(new Date('2024-05-01T10:20:00.000Z'))).toBe('2024-05-01T10:20:00Z');
  });
});

describe('jobToWire', () => {
  it('writes the always-present fields of a bare job and omits the empty ones', () => {
    const wire = jobToWire(job({ description: '', tags: [], inputs: {}, progress: 0 }));
    expect(wire).toEqual({
      id: 'j1',
      name: 'hello',
      state: 'PENDING',
      createdAt: '2024-05-01T10:20:30.12Z',
      tasks: [],
      execution: [],
      position: 0,
      context: {},
    });
  });

  it('keeps the field order of Tork and includes error and result', () => {
    const wire = jobToWire(
      job({ error: 'boom', result: 'r', startedAt: T0, schedule: { id: 's1' }, parentId: 'p' }),
      [{ id: 't1', name: 'a' }],
    );
    expect(Object.keys(wire)).toEqual([
      'id',
      'parentId',
      'name',
      'state',
      'createdAt',
      'startedAt',
      'tasks',
      'execution',
      'position',
      'context',
      'result',
      'error',
      'schedule',
    ]);
    expect(wire.execution).toEqual([{ id: 't1', name: 'a' }]);
  });

  it('sorts map keys as Go does', () => {
    const wire = jobToWire(job({ inputs: { b: '2', a: '1' } }));
    expect(Object.keys(wire.inputs as object)).toEqual(['a', 'b']);
  });

  it('writes a zero time for a missing createdAt', () => {
    const wire = jobToWire({ ...job(), createdAt: undefined } as unknown as Job);
    expect(wire.createdAt).toBe('0001-01-01T00:00:00Z');
  });
});

describe('jobSummaryToWire', () => {
  it('leaves out definition fields and keeps position at zero', () => {
    const wire = jobSummaryToWire(
      job({
        secrets: { k: 'v' },
        output: 'x',
        tasks: [{ name: 't' }],
        createdBy: { username: 'guest', disabled: true },
      }),
    );
    expect(wire).toEqual({
      id: 'j1',
      createdBy: { username: 'guest', disabled: true },
      name: 'hello',
      state: 'PENDING',
      createdAt: '2024-05-01T10:20:30.12Z',
      position: 0,
    });
  });
});

describe('taskToWire', () => {
  it('encodes nested tasks, composite blocks and Drover extensions', () => {
    const task: Task = {
      id: 't1',
      state: 'FAILED',
      failedAt: T0,
      pre: [{ name: 'p', run: 'echo' }],
      parallel: { tasks: [{ name: 'c', createdAt: T0 }] },
      mounts: [{ id: 'm', type: 'volume', target: '/x' }],
      registry: { username: 'u', password: 'p' },
      exitCode: 3,
      killedBy: 'timeout',
      retry: { limit: 2, attempts: 0 },
    };
    expect(taskToWire(task)).toEqual({
      id: 't1',
      state: 'FAILED',
      failedAt: '2024-05-01T10:20:30.12Z',
      registry: { username: 'u', password: 'p' },
      pre: [{ name: 'p', run: 'echo' }],
      mounts: [{ type: 'volume', target: '/x' }],
      retry: { limit: 2 },
      parallel: { tasks: [{ name: 'c', createdAt: '2024-05-01T10:20:30.12Z' }] },
      exitCode: 3,
      killedBy: 'timeout',
    });
  });

  it('omits an exit code of zero, as every omit-if-empty number', () => {
    expect(taskToWire({ id: 't', exitCode: 0 })).toEqual({ id: 't' });
  });

  it('writes a summary without failedAt and definition fields', () => {
    const wire = taskSummaryToWire({ id: 't', run: 'x', failedAt: T0, progress: 50, result: 'ok' });
    expect(wire).toEqual({ id: 't', progress: 50, result: 'ok' });
  });

  it('reads back what it writes, dates included', () => {
    const task: Task = {
      id: 't1',
      createdAt: T0,
      each: { list: '[1]', task: { name: 'x', startedAt: T0 } },
      subjob: { name: 's', tasks: [{ name: 'y', completedAt: T0 }] },
      env: { A: '1' },
    };
    const back = taskFromWire(JSON.parse(encodeJson(taskToWire(task))));
    expect(back).toEqual(task);
    expect(back.each?.task.startedAt).toBeInstanceOf(Date);
  });
});

describe('nodeToWire', () => {
  const node: Node = {
    id: 'n1',
    name: 'Worker',
    startedAt: T0,
    lastHeartbeatAt: T0,
    status: 'UP',
    version: '0.1.0',
  };

  it('shows a node whose heartbeat is older than 60 seconds as OFFLINE', () => {
    expect(nodeToWire(node, new Date(T0.getTime() + 61_000)).status).toBe('OFFLINE');
    expect(nodeToWire(node, new Date(T0.getTime() + 59_000)).status).toBe('UP');
  });

  it('keeps DOWN as stored and always writes version and both times', () => {
    const wire = nodeToWire({ ...node, status: 'DOWN', version: '' }, new Date(T0.getTime() + 600_000));
    expect(wire).toEqual({
      id: 'n1',
      name: 'Worker',
      startedAt: '2024-05-01T10:20:30.12Z',
      lastHeartbeatAt: '2024-05-01T10:20:30.12Z',
      status: 'DOWN',
      version: '',
    });
  });

  it('reads a node back from Tork JSON with an offset timestamp', () => {
    const back = nodeFromWire({
      id: 'n',
      name: 'C',
      startedAt: '2024-06-15T19:51:51.111662-04:00',
      lastHeartbeatAt: '2024-06-15T23:51:51.226284Z',
      status: 'UP',
      version: '0.1.87',
    });
    expect(back.startedAt.toISOString()).toBe('2024-06-15T23:51:51.111Z');
    expect(back.lastHeartbeatAt.toISOString()).toBe('2024-06-15T23:51:51.226Z');
  });
});

describe('other shapes', () => {
  it('writes a log part and reads it back', () => {
    const part = { id: 'l', number: 2, taskId: 't', contents: 'hi\n', createdAt: T0 };
    expect(logPartToWire(part)).toEqual({ ...part, createdAt: '2024-05-01T10:20:30.12Z' });
    expect(logPartFromWire(logPartToWire(part))).toEqual(part);
  });

  it('writes a user without a false disabled flag', () => {
    expect(userToWire({ id: 'u', username: 'bob', disabled: false, createdAt: T0 })).toEqual({
      id: 'u',
      username: 'bob',
      createdAt: '2024-05-01T10:20:30.12Z',
    });
  });

  it('writes scheduled jobs in full and as summaries', () => {
    const sj = {
      id: 's',
      name: 'n',
      cron: '* * * * *',
      state: 'ACTIVE' as const,
      tasks: [],
      createdAt: T0,
      secrets: { a: 'b' },
    };
    expect(scheduledJobToWire(sj)).toEqual({
      id: 's',
      name: 'n',
      cron: '* * * * *',
      state: 'ACTIVE',
      tasks: [],
      createdAt: '2024-05-01T10:20:30.12Z',
      secrets: { a: 'b' },
    });
    expect(Object.keys(scheduledJobSummaryToWire(sj))).toEqual(['id', 'state', 'name', 'createdAt', 'cron']);
  });

  it('writes a page with every field even when empty', () => {
    expect(
      pageToWire({ items: [], number: 1, size: 0, totalPages: 0, totalItems: 0 }, logPartToWire),
    ).toEqual({
      items: [],
      number: 1,
      size: 0,
      totalPages: 0,
      totalItems: 0,
    });
  });

  it('reads a job back with its tasks and without execution', () => {
    const original = job({
      tasks: [{ name: 'a', createdAt: T0 }],
      startedAt: T0,
      context: { inputs: { x: '1' } },
    });
    const back = jobFromWire(JSON.parse(encodeJson(jobToWire(original, [{ id: 'e' }]))));
    expect(back).toEqual(original);
  });
});

describe('encodeJson', () => {
  it('escapes HTML characters and line separators and ends with a newline', () => {
    expect(encodeJson({ a: '<b>&\u2028\u2029' })).toBe('{"a":"\\u003cb\\u003e\\u0026\\u2028\\u2029"}\n');
  });

  it('indents with two spaces when pretty', () => {
    expect(encodeJson({ a: [1], b: {} }, { pretty: true })).toBe('{\n  "a": [\n    1\n  ],\n  "b": {}\n}\n');
  });
});
