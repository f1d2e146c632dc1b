import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/async.js';
import { silentLogger } from '../../src/logger.js';
import { newId } from '../../src/model/ids.js';
import { dockerEngineAnswers } from '../../src/runtime/docker/connection.js';
import { DockerRuntime, type DockerRuntimeOptions } from '../../src/runtime/docker/runtime.js';
import { TaskTimeout } from '../../src/runtime/runtime.js';
import { failureOf, recorder } from '../contract/runtime.contract.js';
import { PODMAN_SOCKET, podman, requirePodman, resourcesOf, TEST_IMAGE } from '../helpers/podman.js';

const ready = await requirePodman('test/runtime/docker-lifecycle.test.ts');

describe.runIf(ready)('podman runtime lifecycle', () => {
  const opened: DockerRuntime[] = [];
  const open = (options: Partial<DockerRuntimeOptions>): DockerRuntime => {
    const runtime = new DockerRuntime({
      logger: silentLogger(),
      kind: 'podman',
      network: 'none',
      ...options,
    });
    opened.push(runtime);
    return runtime;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
  });

  /** The pid of a process that has exited. */
  async function deadPid(): Promise<number> {
    const child = spawn('true');
    await new Promise((resolve) => child.once('exit', resolve));
    return child.pid!;
  }

  it('removes what a previous run of the same worker left behind, but not what a live process owns', async () => {
    const workerId = `restart-${randomUUID().slice(0, 8)}`;
    const labels = (host: string, pid: number) =>
      [
        'drover.managed=true',
        `drover.worker=${workerId}`,
        `drover.host=${host}`,
        `drover.pid=${pid}`,
      ].flatMap((l) => ['--label', l]);
    const crashed = labels(hostname(), await deadPid());
    await podman('run', '-d', '--network', 'none', ...crashed, TEST_IMAGE, 'sleep', '100');
    await podman('volume', 'create', ...crashed, `drover-left-${workerId}`);
    await podman('network', 'create', ...labels('another-host', 1), `drover-left-${workerId}`);
    const alive = await podman(
      'create',
      '--network',
      'none',
      ...labels(hostname(), process.ppid),
      TEST_IMAGE,
      'true',
    );
    try {
      expect(await resourcesOf(workerId)).toHaveLength(4);
      await open({ workerId }).healthCheck();
      expect(await resourcesOf(workerId)).toEqual([`container ${alive.slice(0, 12)} (created)`]);
    } finally {
      await podman('rm', '-f', alive);
    }
  });

  it('removes the container and the volumes of a task whose timeout fired', async () => {
    const workerId = `timeout-${randomUUID().slice(0, 8)}`;
    const controller = new AbortController();
    const rec = recorder();
    const running = open({ workerId }).run(
      {
        id: newId(),
        name: 'slow',
        image: TEST_IMAGE,
        mounts: [{ type: 'volume', target: '/data' }],
        run: 'echo started; exec sleep 100',
      },
      { signal: controller.signal, io: rec.io },
    );
    await waitFor(() => rec.output().includes('started'), { message: 'the task to start' });
    expect(await resourcesOf(workerId)).toHaveLength(2);
    controller.abort(new TaskTimeout('1s'));
    expect((await failureOf(running)).message).toBe('task timed out after 1s');
    expect(await resourcesOf(workerId)).toEqual([]);
  });

  it('starts podman system service when nothing answers on its socket, and stops it on close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drover-podman-'));
    const host = `unix://${join(dir, 'podman.sock')}`;
    try {
      const runtime = open({ host, workerId: `service-${randomUUID().slice(0, 8)}` });
      const result = await runtime.run(
        { id: newId(), name: 'via own service', image: TEST_IMAGE, run: 'echo -n served > "$TORK_OUTPUT"' },
        { signal: new AbortController().signal, io: recorder().io },
      );
      expect(result.result).toBe('served');
      await runtime.close();
      await expect(open({ host, startService: false }).healthCheck()).rejects.toThrow(
        `container engine not reachable at ${host}: connect`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tells whether a Docker engine answers at the Docker address', async () => {
    const saved = process.env.DOCKER_HOST;
    try {
      process.env.DOCKER_HOST = `unix://${PODMAN_SOCKET}`;
      expect(await dockerEngineAnswers()).toBe(true);
      process.env.DOCKER_HOST = 'unix:///tmp/drover-no-engine.sock';
      expect(await dockerEngineAnswers()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('verifies an image before its first use, and removes images left unused for the image TTL', async () => {
    const image = `localhost/drover-prune-${randomUUID().slice(0, 8)}:latest`;
    await podman('tag', TEST_IMAGE, image);
    try {
      const task = { id: newId(), name: 'uses image', image, run: 'true' };
      const signal = new AbortController().signal;
      const keeping = open({ workerId: 'prune-a', imageVerify: true });
      await keeping.run({ ...task }, { signal, io: recorder().io });
      expect(await keeping.pruneImages()).toEqual([]);
      const pruning = open({ workerId: 'prune-b', imageTtlMs: 60_000 });
      await pruning.run({ ...task }, { signal, io: recorder().io });
      expect(await pruning.pruneImages(Date.now() + 60_000)).toEqual([image]);
      expect(await podman('images', '-q', image)).toBe('');
    } finally {
      await podman('rmi', '-i', image).catch(() => undefined);
    }
  });
});
