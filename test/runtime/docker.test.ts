import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import type { Task } from '../../src/model/task.js';
import { DockerRuntime, type DockerRuntimeOptions } from '../../src/runtime/docker/runtime.js';
import { TaskCancelled } from '../../src/runtime/runtime.js';
import { failureOf, recorder, runRuntimeContract } from '../contract/runtime.contract.js';
import { requirePodman, resourcesOf, TEST_IMAGE } from '../helpers/podman.js';

const ready = await requirePodman('test/runtime/docker.test.ts');
/** One label per file: files run in parallel, and each runtime only cleans up its own worker's leftovers. */
const workerId = `test-${randomUUID().slice(0, 8)}`;

const podmanRuntime = (options: Partial<DockerRuntimeOptions> = {}): DockerRuntime =>
  new DockerRuntime({
    logger: silentLogger(),
    kind: 'podman',
    workerId,
    network: 'none',
    progressIntervalMs: 100,
    ...options,
  });

describe.runIf(ready)('podman', () => {
  runRuntimeContract('podman', async () => podmanRuntime(), {
    task: { image: TEST_IMAGE },
    leftovers: () => resourcesOf(workerId),
    hostPids: false,
  });

  describe('container runtime', () => {
    let runtime: DockerRuntime;
    let controller: AbortController;
    const others: DockerRuntime[] = [];
    /** A runtime with other options, closed after the test. */
    const configured = (options: Partial<DockerRuntimeOptions>): DockerRuntime => {
      const made = podmanRuntime(options);
      others.push(made);
      return made;
    };
    beforeEach(() => {
      runtime = podmanRuntime();
      controller = new AbortController();
    });
    afterEach(async () => {
      controller.abort(new TaskCancelled());
      await Promise.all([runtime, ...others.splice(0)].map((r) => r.close()));
    });

    const task = (fields: Partial<Task>): Task => ({
      id: newId(),
      name: 'container',
      image: TEST_IMAGE,
      ...fields,
    });
    const run = (t: Task, on = runtime, rec = recorder()) =>
      on.run(t, { signal: controller.signal, io: rec.io });

    it('shares a volume between the pre task and the task, and removes it afterwards', async () => {
      const result = await run(
        task({
          mounts: [{ type: 'volume', target: '/data' }],
          pre: [{ name: 'write', run: 'echo -n from-pre > /data/note' }],
          run: 'cat /data/note > "$TORK_OUTPUT"',
        }),
      );
      expect(result.result).toBe('from-pre');
      expect(await resourcesOf(workerId)).toEqual([]);
    });

    it('mounts a tmpfs at the target', async () => {
      const result = await run(
        task({
          mounts: [{ type: 'tmpfs', target: '/scratch' }],
          run: 'grep -c " /scratch tmpfs " /proc/mounts > "$TORK_OUTPUT"',
        }),
      );
      expect(result.result).toBe('1\n');
    });

    it('bind-mounts an allowed source, creating the host directory', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'drover-bind-'));
      const source = join(dir, 'shared');
      try {
        const allowing = configured({ bindMounts: { allowed: true, sources: [source.toUpperCase()] } });
        await run(
          task({ mounts: [{ type: 'bind', source, target: '/shared' }], run: 'echo -n hi > /shared/out' }),
          allowing,
        );
        expect(await readFile(join(source, 'out'), 'utf8')).toBe('hi');
        expect((await stat(source)).mode & 0o777).toBe(0o707);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    const refused: Array<[string, Partial<DockerRuntimeOptions>, string, string]> = [
      ['bind mounts are not allowed', {}, '/tmp', 'bind mounts are not allowed'],
      [
        'the source is not on the allow-list',
        { bindMounts: { allowed: true, sources: ['/srv/data'] } },
        '/etc',
        'src bind mount is not allowed: /etc',
      ],
    ];
    for (const [when, options, source, message] of refused) {
      it(`refuses a bind mount when ${when}`, async () => {
        const rec = recorder();
        const failure = await failureOf(
          run(
            task({ mounts: [{ type: 'bind', source, target: '/host' }], run: 'echo ran' }),
            configured(options),
            rec,
          ),
        );
        expect(failure.message).toBe(message);
        expect(rec.output()).toBe('');
      });
    }

    it('applies cpu and memory limits, visible inside the container', async () => {
      const result = await run(
        task({
          limits: { cpus: '0.5', memory: '64m' },
          run: `{ cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null ||
                  cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max; } | tr '\\n' ' ' > "$TORK_OUTPUT"`,
        }),
      );
      expect(['67108864 50000 ', '67108864 50000 100000 ']).toContain(result.result);
    });

    it('fails a task with limits it cannot parse, before creating anything', async () => {
      const cpus = await failureOf(run(task({ limits: { cpus: 'lots' }, run: 'true' })));
      expect(cpus.message).toBe(
        'invalid CPUs value: "lots": expected a number or a fraction such as 1, 0.5 or 1/2',
      );
      const memory = await failureOf(run(task({ limits: { memory: '12 parsecs' }, run: 'true' })));
      expect(memory.message).toBe(
        'invalid memory value: "12 parsecs": expected a size such as 64m, 512MB or 1g',
      );
    });

    it('runs cmd without a script, and entrypoint with cmd as its arguments', async () => {
      const rec = recorder();
      await run(task({ cmd: ['echo', 'from', 'cmd'] }), runtime, rec);
      await run(task({ entrypoint: ['echo'], cmd: ['from', 'entrypoint'] }), runtime, rec);
      expect(rec.output()).toBe('from cmd\nfrom entrypoint\n');
    });

    it('writes files read-only into the workdir and runs there', async () => {
      const result = await run(
        task({
          workdir: '/app',
          files: { 'conf/app.ini': 'x=1' },
          run: 'echo -n "$(pwd) $(cat conf/app.ini) $(stat -c %a conf/app.ini /tork/entrypoint)" > "$TORK_OUTPUT"',
        }),
      );
      expect(result.result).toBe('/app x=1 444\n555');
    });

    it('fails with the engine message when the image cannot be pulled, and goes on serving', async () => {
      const image = '127.0.0.1:1/drover/missing:1';
      const failure = await failureOf(run(task({ image, run: 'true' })));
      expect(failure.message).toMatch(
        /^error pulling image: 127\.0\.0\.1:1\/drover\/missing:1: .*connection refused/,
      );
      expect((await run(task({ run: 'echo -n still here > "$TORK_OUTPUT"' }))).result).toBe('still here');
    });

    it('fails every task with a clear message while the engine is down', async () => {
      const down = configured({ host: 'unix:///tmp/drover-no-engine.sock', startService: false });
      const failure = await failureOf(run(task({ run: 'true' }), down));
      expect(failure.message).toBe(
        'container engine not reachable at unix:///tmp/drover-no-engine.sock: connect ENOENT /tmp/drover-no-engine.sock',
      );
      await expect(down.healthCheck()).rejects.toThrow(
        'container engine not reachable at unix:///tmp/drover-no-engine.sock',
      );
    });

    it('runs privileged only when configured', async () => {
      const hasSysAdmin =
        'cap=$(grep CapEff /proc/self/status | cut -f2); echo -n $(( (0x$cap >> 21) & 1 )) > "$TORK_OUTPUT"';
      expect((await run(task({ run: hasSysAdmin }))).result).toBe('0');
      expect((await run(task({ run: hasSysAdmin }), configured({ privileged: true }))).result).toBe('1');
    });

    it('refuses host networking unless configured, and runs without a network on none', async () => {
      const failure = await failureOf(run(task({ networks: ['host'], run: 'true' })));
      expect(failure.message).toBe('networks: host networking is not allowed on this worker');
      const result = await run(
        task({ networks: ['none'], run: 'ls /sys/class/net | tr "\\n" " " > "$TORK_OUTPUT"' }),
      );
      expect(result.result).toBe('lo ');
    });

    it('fails a task without an image', async () => {
      const failure = await failureOf(run({ id: newId(), name: 'no image', run: 'true' }));
      expect(failure.message).toBe('image is required: the podman runtime runs every task in a container');
    });
  });
});

describe.runIf(ready)('podman sidecars', () => {
  let runtime: DockerRuntime;
  beforeAll(() => {
    runtime = podmanRuntime();
  });
  afterAll(async () => {
    await runtime.close();
  });
  const signal = new AbortController().signal;

  it('starts a sidecar, waits for its probe, and lets the task reach it by name', async () => {
    const rec = recorder();
    const result = await runtime.run(
      {
        id: newId(),
        name: 'client',
        image: TEST_IMAGE,
        sidecars: [
          {
            name: 'Web Server',
            image: TEST_IMAGE,
            files: { 'www/health': 'ok' },
            run: 'exec httpd -f -p 8080 -h www',
            probe: { path: '/health', port: 8080 },
          },
        ],
        run: 'wget -qO "$TORK_OUTPUT" http://web-server:8080/health',
      },
      { signal, io: rec.io },
    );
    expect(result.result).toBe('ok');
    expect(await resourcesOf(workerId)).toEqual([]);
  });

  it('fails the task when a sidecar never answers its probe', async () => {
    const failure = await failureOf(
      runtime.run(
        {
          id: newId(),
          name: 'client',
          image: TEST_IMAGE,
          sidecars: [
            {
              name: 'db',
              image: TEST_IMAGE,
              run: 'exec sleep 100',
              probe: { path: '/', port: 5432, timeout: '2s' },
            },
          ],
          run: 'true',
        },
        { signal, io: recorder().io },
      ),
    );
    expect(failure.message).toBe('error waiting for container db to be ready: probe timed out after 2s');
    expect(await resourcesOf(workerId)).toEqual([]);
  });
});
