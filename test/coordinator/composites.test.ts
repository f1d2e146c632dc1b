import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { startTestEngine } from '../helpers/engine.js';

type T = Awaited<ReturnType<typeof startTestEngine>>;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Task records as [name, state] pairs, in execution order. */
function states(job: any): string[][] {
  return job.execution.map((x: any) => [x.name, x.state]);
}

/** The most tasks that ever ran at the same time, from their start and end times. */
function maxOverlap(tasks: any[]): number {
  const edges = tasks.flatMap((x) => [
    [Date.parse(x.startedAt), 1],
    [Date.parse(x.completedAt ?? x.failedAt), -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let running = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (running += d!));
  return max;
}

describe('parallel and each on the real engine', () => {
  let t: T;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    await t.engine.close();
  });

  async function run(yaml: string, states?: string[]): Promise<any> {
    const res = await t.api.postYaml(yaml);
    expect(res.status, res.text).toBe(200);
    return t.api.waitForJob(res.body.id, states);
  }

  it("runs a parallel block's children at once and puts each child's var in the job context", async () => {
    const dir = t.dir;
    // Each child waits until all three have started: only children running at once can finish.
    const child = (name: string) => `
        - name: ${name}
          var: ${name}
          run: |
            touch ${dir}/par-${name}
            for i in $(seq 100); do [ -f ${dir}/par-a ] && [ -f ${dir}/par-b ] && [ -f ${dir}/par-c ] && break; sleep 0.1; done
            echo -n ${name.toUpperCase()} > $TORK_OUTPUT`;
    const job = await run(`
name: fan out
output: "{{ tasks.a }}{{ tasks.b }}{{ tasks.c }} then {{ tasks.after }}"
tasks:
  - name: fan
    parallel:
      tasks:${child('a')}${child('b')}${child('c')}
        - name: skipped
          if: "{{ 1 > 2 }}"
          run: exit 1
  - name: after
    var: after
    run: echo -n done > $TORK_OUTPUT
`);
    expect(job.state).toBe('COMPLETED');
    expect(job.result).toBe('ABC then done');
    expect(job.context.tasks).toEqual({ a: 'A', b: 'B', c: 'C', after: 'done' });
    expect(states(job)).toEqual([
      ['fan', 'COMPLETED'],
      ['a', 'COMPLETED'],
      ['b', 'COMPLETED'],
      ['c', 'COMPLETED'],
      ['skipped', 'SKIPPED'],
      ['after', 'COMPLETED'],
    ]);
    const children = job.execution.slice(1, 4);
    expect(children.every((c: any) => c.parentId === job.execution[0].id && c.position === 1)).toBe(true);
  });

  it('fails a parallel block when a child fails, and stops its running siblings and their processes', async () => {
    const pidFile = join(t.dir, 'par-sibling-pid');
    const res = await t.api.postYaml(`
name: one child fails
tasks:
  - name: fan
    parallel:
      tasks:
        - name: slow
          run: |
            echo $$ > ${pidFile}
            sleep 300
        - name: broken
          run: |
            while [ ! -s ${pidFile} ]; do sleep 0.05; done
            echo "disk full" >&2
            exit 4
  - name: never
    run: echo never
`);
    const job = await t.api.waitForJob(res.body.id);
    expect(job.state).toBe('FAILED');
    expect(job.error).toMatch(/^exit code 4: disk full/);
    // The children in either order: a sibling cancelled within moments of its start may not have
    // reported it yet (worker/task-run.ts), and a task without a start time is listed last.
    expect(states(job)[0]).toEqual(['fan', 'FAILED']);
    expect(states(job).slice(1).sort()).toEqual([
      ['broken', 'FAILED'],
      ['slow', 'CANCELLED'],
    ]);
    expect(job.execution[0].error).toBe(job.error);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isAlive(pid), { message: 'the cancelled sibling to exit' });
  });

  it('with allowFailures lets every child finish and names the children that failed', async () => {
    const job = await run(`
name: tolerant fan-out
tasks:
  - name: fan
    parallel:
      allowFailures: true
      tasks:
        - name: bad one
          run: echo "no such file" >&2; exit 2
        - name: good
          var: good
          run: sleep 0.3; echo -n fine > $TORK_OUTPUT
        - name: bad two
          run: exit 3
`);
    expect(job.state).toBe('FAILED');
    expect(states(job)).toEqual([
      ['fan', 'FAILED'],
      ['bad one', 'FAILED'],
      ['good', 'COMPLETED'],
      ['bad two', 'FAILED'],
    ]);
    expect(job.execution[0].error).toBe(
      '2 of 3 tasks failed: "bad one" (exit code 2: no such file); "bad two" (exit code 3)',
    );
    expect(job.error).toBe(job.execution[0].error);
    expect(job.context.tasks).toEqual({ good: 'fine' });
  });

  it('never runs more each children at once than its concurrency, and starts them in list order', async () => {
    const job = await run(`
name: throttled
tasks:
  - name: loop
    each:
      list: "{{ sequence(1, 8) }}"
      concurrency: 2
      task:
        name: "item {{ item.index }}"
        run: sleep 0.2
`);
    expect(job.state).toBe('COMPLETED');
    const children = job.execution.filter((x: any) => x.parentId);
    expect(children).toHaveLength(7);
    expect(maxOverlap(children)).toBeLessThanOrEqual(2);
    const byStart = [...children].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    expect(byStart.map((c: any) => c.name)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `item ${i}`));
    expect(job.execution[0].each).toMatchObject({ size: 7, completions: 7, concurrency: 2 });
  });

  it('retries a failed each child in its own seat and counts only its last attempt', async () => {
    const marks = t.dir;
    const job = await run(`
name: flaky items
tasks:
  - name: loop
    each:
      list: "{{ ['x', 'y', 'z'] }}"
      concurrency: 1
      task:
        name: "{{ item.value }}"
        retry:
          limit: 1
        env:
          V: "{{ item.value }}"
        run: |
          f=${marks}/flaky-$V
          [ -f $f ] && exit 0
          touch $f; exit 1
`);
    expect(job.state).toBe('COMPLETED');
    const children = job.execution.filter((x: any) => x.parentId);
    expect(children.map((c: any) => `${c.name}:${c.state}`).sort()).toEqual([
      'x:COMPLETED',
      'x:FAILED',
      'y:COMPLETED',
      'y:FAILED',
      'z:COMPLETED',
      'z:FAILED',
    ]);
    expect(maxOverlap(children)).toBe(1);
  });

  it('iterates over fromJSON(inputs.items) with the index as a string and a custom loop variable', async () => {
    const job = await run(`
name: rows
inputs:
  items: '[{"name":"ann","n":1},{"name":"bob","n":2.5}]'
output: "{{ tasks.row0 }},{{ tasks.row1 }}"
tasks:
  - name: each row
    each:
      list: "{{ fromJSON(inputs.items) }}"
      var: row
      task:
        name: "{{ row.value.name }}"
        var: "row{{ row.index }}"
        env:
          LINE: "{{ row.index + ':' + upper(row.value.name) }}={{ row.value.n * 2 }}"
        run: echo -n "$LINE" > $TORK_OUTPUT
`);
    expect(job.state).toBe('COMPLETED');
    expect(job.result).toBe('0:ANN=2,1:BOB=5');
    expect(states(job).slice(1)).toEqual([
      ['ann', 'COMPLETED'],
      ['bob', 'COMPLETED'],
    ]);
  });

  it('completes an each over an empty list at once', async () => {
    const job = await run(`
name: nothing to do
inputs:
  items: '[]'
tasks:
  - name: literal
    each:
      list: "{{ [] }}"
      task: { name: never, run: exit 1 }
  - name: from json
    each:
      list: "{{ fromJSON(inputs.items) }}"
      concurrency: 3
      task: { name: never, run: exit 1 }
`);
    expect(job.state).toBe('COMPLETED');
    expect(states(job)).toEqual([
      ['literal', 'COMPLETED'],
      ['from json', 'COMPLETED'],
    ]);
  });

  it('fails an each whose list is not a list, or does not evaluate, with a message that says so', async () => {
    const notList = await run(`
name: not a list
tasks:
  - name: loop
    each:
      list: "{{ 5 }}"
      task: { name: x, run: echo }
`);
    expect(notList.state).toBe('FAILED');
    expect(notList.error).toBe('each.list does not evaluate to a list');
    expect(notList.execution[0].error).toBe('each.list does not evaluate to a list');

    const broken = await run(`
name: bad list
tasks:
  - name: loop
    each:
      list: "{{ fromJSON(inputs.missing) }}"
      task: { name: x, run: echo }
`);
    expect(broken.state).toBe('FAILED');
    expect(broken.error).toContain('fromJSON(inputs.missing)');
    expect(broken.execution).toHaveLength(1);
  });

  it('fails a parallel or each whose child does not evaluate, quoting the expression, and starts no child', async () => {
    const parallel = await run(`
name: broken child
tasks:
  - name: fan
    parallel:
      tasks:
        - { name: fine, run: "true" }
        - name: broken
          env:
            X: "{{ nosuch(1) }}"
          run: "true"
`);
    expect(parallel.state).toBe('FAILED');
    expect(parallel.error).toContain('nosuch(1)');
    expect(states(parallel)).toEqual([['fan', 'FAILED']]);

    const each = await run(`
name: broken item
tasks:
  - name: loop
    each:
      list: "{{ [1, 2] }}"
      task:
        name: "item {{ item.value.missing.deeper }}"
        run: "true"
`);
    expect(each.state).toBe('FAILED');
    expect(each.error).toContain('item.value.missing.deeper');
    expect(states(each)).toEqual([['loop', 'FAILED']]);
  });

  it('restarts a failed each and runs again only the children that did not complete', async () => {
    const flag = join(t.dir, 'each-restart-flag');
    const runs = join(t.dir, 'each-restart-runs');
    const res = await t.api.postYaml(`
name: restart only failed
output: "{{ tasks.r0 }}{{ tasks.r1 }}{{ tasks.r2 }}{{ tasks.r3 }}"
tasks:
  - name: loop
    each:
      list: "{{ ['a', 'b', 'c', 'd'] }}"
      allowFailures: true
      concurrency: 2
      task:
        name: "{{ item.value }}"
        var: "r{{ item.index }}"
        env:
          I: "{{ item.index }}"
          V: "{{ item.value }}"
        run: |
          echo "$V" >> ${runs}
          if [ $((I % 2)) = 1 ] && [ ! -f ${flag} ]; then exit 1; fi
          echo -n "$V" > $TORK_OUTPUT
`);
    const failed = await t.api.waitForJob(res.body.id);
    expect(failed.state).toBe('FAILED');
    expect(failed.error).toBe('2 of 4 tasks failed: "b" (exit code 1); "d" (exit code 1)');
    expect(failed.context.tasks).toEqual({ r0: 'a', r2: 'c' });

    writeFileSync(flag, '');
    expect((await t.api.put(`/jobs/${res.body.id}/restart`)).status).toBe(200);
    const done = await t.api.waitForJob(res.body.id, ['COMPLETED', 'FAILED']);
    expect(done.state).toBe('COMPLETED');
    expect(done.result).toBe('abcd');
    const lines = readFileSync(runs, 'utf8').trim().split('\n');
    expect(lines.slice(0, 4).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(lines.slice(4).sort()).toEqual(['b', 'd']);
    // The parent keeps its record; a and c keep theirs; b and d have a failed and a new record.
    expect(done.execution.filter((x: any) => !x.parentId).map((x: any) => x.state)).toEqual(['COMPLETED']);
    const children = done.execution.filter((x: any) => x.parentId).map((x: any) => `${x.name}:${x.state}`);
    expect(children.sort()).toEqual([
      'a:COMPLETED',
      'b:COMPLETED',
      'b:FAILED',
      'c:COMPLETED',
      'd:COMPLETED',
      'd:FAILED',
    ]);
    expect(done.execution[0].each).toMatchObject({ size: 4, completions: 4 });
  });

  it('restarts a cancelled parallel and keeps the children that had completed', async () => {
    const gate = join(t.dir, 'par-restart-gate');
    const res = await t.api.postYaml(`
name: cancel then restart
tasks:
  - name: fan
    parallel:
      tasks:
        - name: quick
          var: quick
          run: echo -n q > $TORK_OUTPUT
        - name: gated
          var: gated
          run: |
            while [ ! -f ${gate} ]; do sleep 0.05; done
            echo -n g > $TORK_OUTPUT
output: "{{ tasks.quick }}{{ tasks.gated }}"
`);
    const id = res.body.id;
    await waitFor(
      async () => {
        const job = (await t.api.get(`/jobs/${id}`)).body;
        return (
          job.execution.some((x: any) => x.name === 'quick' && x.state === 'COMPLETED') &&
          job.execution.some((x: any) => x.name === 'gated' && x.state === 'RUNNING')
        );
      },
      { message: 'quick done and gated running' },
    );
    expect((await t.api.put(`/jobs/${id}/cancel`)).status).toBe(200);
    const cancelled = await t.api.waitForJob(id, ['CANCELLED']);
    expect(states(cancelled)).toEqual([
      ['fan', 'CANCELLED'],
      ['quick', 'COMPLETED'],
      ['gated', 'CANCELLED'],
    ]);
    writeFileSync(gate, '');
    expect((await t.api.put(`/jobs/${id}/restart`)).status).toBe(200);
    const done = await t.api.waitForJob(id, ['COMPLETED', 'FAILED']);
    expect(done.state).toBe('COMPLETED');
    expect(done.result).toBe('qg');
    expect(states(done).filter(([name]) => name === 'quick')).toHaveLength(1);
  });

  it('sets deleteAt from autoDelete.after when a job completes', async () => {
    const job = await run(`
name: short lived
autoDelete:
  after: 1h
tasks:
  - name: one
    run: "true"
`);
    expect(job.state).toBe('COMPLETED');
    expect(Date.parse(job.deleteAt) - Date.parse(job.completedAt)).toBe(3_600_000);
  });
});
