import { describe, expect, it } from 'vitest';
import type { TaskBrief } from '../../src/api/ui/shapes.js';
import { buildTree } from '../../src/api/ui/tree.js';
import { applyTaskEvents, countStates, nodeState } from '../../ui/src/job/view-model.js';
import { segments } from '../../ui/src/job/timeline-math.js';

const brief = (b: Partial<TaskBrief> & Pick<TaskBrief, 'id' | 'state'>): TaskBrief => ({
  jobId: 'j',
  position: 1,
  kind: 'regular',
  attempt: 0,
  ...b,
});

describe('the job view model', () => {
  const defs = [
    { name: 'build', run: 'make' },
    {
      name: 'fan',
      each: { list: '{{ sequence(0,4) }}', concurrency: 2, task: { name: 'item', run: 'true' } },
    },
    { name: 'later', run: 'true' },
  ];

  it('draws tasks not started yet from the definitions, and a fan-out as state letters', () => {
    const tree = buildTree(defs, [
      brief({ id: 'b', state: 'COMPLETED', position: 1 }),
      brief({ id: 'f', state: 'RUNNING', position: 2, kind: 'each', fanSize: 4 }),
      brief({ id: 'c0', state: 'COMPLETED', position: 2, parentId: 'f', childIndex: 0 }),
      brief({ id: 'c1', state: 'RUNNING', position: 2, parentId: 'f', childIndex: 1 }),
      brief({ id: 'c2', state: 'CREATED', position: 2, parentId: 'f', childIndex: 2 }),
    ]);
    expect(tree.map((n) => [n.key, nodeState(n), n.attempts.length])).toEqual([
      ['1', 'COMPLETED', 1],
      ['2', 'RUNNING', 1],
      ['3', 'PENDING', 0],
    ]);
    expect(tree[1]!.fanout).toEqual({ total: 4, states: 'drc-', parentId: 'f', concurrency: 2 });
    expect(countStates('drc-')).toEqual({ COMPLETED: 1, RUNNING: 1, CREATED: 2 });
  });

  it('applies live events: new attempts, fan-out items, and never an event older than the snapshot', () => {
    const tree = buildTree(defs, [
      brief({ id: 'b', state: 'RUNNING' }),
      brief({ id: 'f', state: 'RUNNING', position: 2, fanSize: 4 }),
    ]);
    const seen = new Map<string, number>();
    let next = applyTaskEvents(tree, [{ seq: 5, data: brief({ id: 'b', state: 'FAILED' }) }], 10, seen);
    expect(next).toBe(tree);
    next = applyTaskEvents(
      tree,
      [
        { seq: 11, data: brief({ id: 'b', state: 'FAILED' }) },
        { seq: 12, data: brief({ id: 'b2', state: 'RUNNING', attempt: 1, createdAt: 5 }) },
        { seq: 13, data: brief({ id: 'c3', state: 'FAILED', position: 2, parentId: 'f', childIndex: 3 }) },
        { seq: 14, data: brief({ id: 'l', state: 'PENDING', position: 3 }) },
      ],
      10,
      seen,
    );
    expect(next[0]!.attempts.map((a) => [a.id, a.state])).toEqual([
      ['b', 'FAILED'],
      ['b2', 'RUNNING'],
    ]);
    expect(next[1]!.fanout!.states).toBe('---f');
    expect(nodeState(next[2]!)).toBe('PENDING');
    expect(next[2]!.attempts).toHaveLength(1);
    expect(applyTaskEvents(next, [{ seq: 12, data: brief({ id: 'b2', state: 'CREATED' }) }], 10, seen)).toBe(
      next,
    );
  });

  it('collapses a parallel block of more than 12 children into one fan-out', () => {
    const tasks = Array.from({ length: 13 }, (_, i) => ({ name: `p${i}`, run: 'true' }));
    const [node] = buildTree(
      [{ name: 'wide', parallel: { tasks } }],
      [brief({ id: 'w', state: 'RUNNING', kind: 'parallel' })],
    );
    expect(node!.children).toBeUndefined();
    expect(node!.fanout!.states).toBe('-'.repeat(13));
  });
});

describe('timeline segments', () => {
  it('splits a record into waiting, queued and running', () => {
    const t = brief({
      id: 'x',
      state: 'COMPLETED',
      createdAt: 0,
      scheduledAt: 100,
      startedAt: 300,
      endedAt: 1000,
    });
    expect(segments(t, 5000)).toEqual([
      { kind: 'waiting', from: 0, to: 100 },
      { kind: 'queued', from: 100, to: 300 },
      { kind: 'completed', from: 300, to: 1000 },
    ]);
  });

  it('grows a running record up to now, and draws nothing for a skipped one', () => {
    expect(segments(brief({ id: 'x', state: 'SCHEDULED', createdAt: 0, scheduledAt: 50 }), 400)).toEqual([
      { kind: 'waiting', from: 0, to: 50 },
      { kind: 'queued', from: 50, to: 400 },
    ]);
    expect(segments(brief({ id: 'x', state: 'SKIPPED', createdAt: 0 }), 400)).toEqual([]);
  });
});
