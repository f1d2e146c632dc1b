import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/model/task.js';
import { pullAuth, registryHost } from '../../src/runtime/docker/credentials.js';
import { hostUlimits, parseCpus, parseGpus, parseMemory } from '../../src/runtime/docker/limits.js';
import { OutputDemuxer } from '../../src/runtime/docker/output.js';
import { planTask, type PlanPolicy } from '../../src/runtime/docker/plan.js';
import { commandLine, slug } from '../../src/runtime/docker/spec.js';
import { createTar, readFirstFile } from '../../src/runtime/docker/tar.js';

/** The container runtime's pure parts: no engine needed. */

describe('limits', () => {
  it.each([
    ['1', 1e9],
    ['.5', 5e8],
    ['0.25', 2.5e8],
    ['1/2', 5e8],
    ['2.000', 2e9],
  ])('reads %s CPUs as %d nano-CPUs', (value, nano) => {
    expect(parseCpus(value)).toBe(nano);
  });

  it.each([
    ['lots', 'expected a number or a fraction such as 1, 0.5 or 1/2'],
    ['0', 'must be more than 0'],
    ['1/0', 'division by zero'],
    ['0.0000000001', 'too precise (at most 9 decimal places)'],
    ['1/3', 'too precise (whole nano-CPUs only)'],
  ])('rejects %s CPUs', (value, why) => {
    expect(() => parseCpus(value)).toThrow(`invalid CPUs value: ${JSON.stringify(value)}: ${why}`);
  });

  it.each([
    ['100', 100],
    ['10m', 10 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['512MB', 512 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['64 k', 64 * 1024],
  ])('reads %s of memory as %d bytes', (value, bytes) => {
    expect(parseMemory(value)).toBe(bytes);
  });

  it.each(['', '10x', '-5m', '0'])('rejects the memory value %j', (value) => {
    expect(() => parseMemory(value)).toThrow(
      `invalid memory value: ${JSON.stringify(value)}: expected a size such as 64m, 512MB or 1g`,
    );
  });

  it.each([
    ['all', { Driver: '', Count: -1, DeviceIDs: [], Capabilities: [['gpu']] }],
    ['2', { Driver: '', Count: 2, DeviceIDs: [], Capabilities: [['gpu']] }],
    ['count=1,driver=nvidia', { Driver: 'nvidia', Count: 1, DeviceIDs: [], Capabilities: [['gpu']] }],
    ['device=0,1', { Driver: '', Count: 0, DeviceIDs: ['0', '1'], Capabilities: [['gpu']] }],
    [
      '"device=0,1",driver=nvidia',
      { Driver: 'nvidia', Count: 0, DeviceIDs: ['0', '1'], Capabilities: [['gpu']] },
    ],
    [
      '"capabilities=compute,utility"',
      { Driver: '', Count: 0, DeviceIDs: [], Capabilities: [['compute', 'utility']] },
    ],
  ])('reads gpus %j as docker run --gpus does', (value, request) => {
    expect(parseGpus(value)).toEqual(request);
  });

  it.each([
    ['count=many', 'count must be a number or "all", got "many"'],
    ['colour=red', 'unknown option "colour"'],
    ['count=1,device=0', 'count and device cannot be used together'],
  ])('rejects gpus %j', (value, why) => {
    expect(() => parseGpus(value)).toThrow(`invalid gpus value: ${JSON.stringify(value)}: ${why}`);
  });

  it('keeps container ulimits within the hard limits of this machine', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max processes             96365                96365                processes',
      'Max open files            1024                 20000                files',
    ].join('\n');
    expect(hostUlimits(text)).toEqual([
      { Name: 'nofile', Soft: 20000, Hard: 20000 },
      { Name: 'nproc', Soft: 32768, Hard: 32768 },
    ]);
    expect(hostUlimits('Max open files unlimited unlimited files\nMax processes 100 100 processes')).toEqual([
      { Name: 'nofile', Soft: 1048576, Hard: 1048576 },
      { Name: 'nproc', Soft: 100, Hard: 100 },
    ]);
  });
});

describe('tar archives', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-tar-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes files with their modes and long paths that tar reads back', async () => {
    const long = `deep/${'d'.repeat(120)}/file.txt`;
    const archive = createTar([
      { path: 'tork/stdout', mode: 0o222, content: '' },
      { path: 'tork/entrypoint', mode: 0o555, content: 'echo hi' },
      { path: long, mode: 0o444, content: 'héllo' },
    ]);
    const file = join(dir, 'a.tar');
    await writeFile(file, archive);
    const listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.map((line) => `${line.slice(0, 10)} ${line.split(' ').pop()}`)).toEqual([
      '--w--w--w- tork/stdout',
      '-r-xr-xr-x tork/entrypoint',
      `-r--r--r-- ${long}`,
    ]);
    expect(execFileSync('tar', ['-xOf', file, long], { encoding: 'utf8' })).toBe('héllo');
  });

  it('reads the first file out of an archive, skipping extended headers', () => {
    const archive = createTar([{ path: `${'p'.repeat(150)}/out`, mode: 0o644, content: 'result' }]);
    expect(readFirstFile(archive)?.toString()).toBe('result');
    expect(readFirstFile(createTar([]))).toBeUndefined();
  });
});

describe('container output', () => {
  const frame = (stream: number, text: string): Buffer => {
    const payload = Buffer.from(text, 'utf8');
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('removes the stream headers, whatever bytes the chunks split at', () => {
    const raw = Buffer.concat([frame(1, 'out: é\n'), frame(2, 'err: ✓\n'), frame(1, 'done\n')]);
    let text = '';
    const demuxer = new OutputDemuxer((t) => (text += t));
    for (const byte of raw) demuxer.write(Buffer.from([byte]));
    demuxer.end();
    expect(text).toBe('out: é\nerr: ✓\ndone\n');
  });

  it('decodes a character split across two frames of the same stream', () => {
    const bytes = Buffer.from('€', 'utf8');
    const header = (n: number) => Buffer.from([1, 0, 0, 0, 0, 0, 0, n]);
    let text = '';
    const demuxer = new OutputDemuxer((t) => (text += t));
    demuxer.write(Buffer.concat([header(1), bytes.subarray(0, 1), header(2), bytes.subarray(1)]));
    expect(text).toBe('€');
  });
});

describe('container command line', () => {
  it.each<[string, Partial<Task>, ReturnType<typeof commandLine>]>([
    ['run', { run: 'echo' }, { Entrypoint: ['sh', '-c'], Cmd: ['/tork/entrypoint'] }],
    [
      'run and entrypoint',
      { run: 'x', entrypoint: ['python3'] },
      { Entrypoint: ['python3'], Cmd: ['/tork/entrypoint'] },
    ],
    [
      'run and cmd',
      { run: 'x', cmd: ['-e', '/tork/entrypoint'] },
      { Entrypoint: ['sh', '-c'], Cmd: ['-e', '/tork/entrypoint'] },
    ],
    ['entrypoint only', { entrypoint: ['date'] }, { Entrypoint: ['date'] }],
    ['cmd only', { cmd: ['echo', 'hi'] }, { Cmd: ['echo', 'hi'] }],
    ['nothing (the image decides)', {}, {}],
  ])('builds the command line for a task with %s', (_, fields, line) => {
    expect(commandLine(fields as Task)).toEqual(line);
  });

  it('makes the network alias from the task name', () => {
    expect(slug('  My Web_Server #2 ')).toBe('my-web-server-2');
  });
});

describe('task checks before anything is created', () => {
  const policy: PlanPolicy = {
    kind: 'docker',
    bind: { allowed: false, sources: [] },
    hostNetwork: false,
    defaultNetwork: undefined,
  };
  const plan = (fields: Partial<Task>) => () =>
    planTask({ name: 't', image: 'busybox', run: 'true', ...fields }, policy);

  it.each<[string, Partial<Task>, string]>([
    [
      'a volume with a source',
      { mounts: [{ type: 'volume', source: '/x', target: '/data' }] },
      'volume mount cannot have a source: /x',
    ],
    [
      'a tmpfs with a source',
      { mounts: [{ type: 'tmpfs', source: '/x', target: '/t' }] },
      'tmpfs mount cannot have a source: /x',
    ],
    ['a mount without a target', { mounts: [{ type: 'tmpfs' }] }, 'tmpfs mount needs a target'],
    [
      'a mount on /tork',
      { mounts: [{ type: 'volume', target: '/tork/' }] },
      'mount target /tork is reserved for the runtime',
    ],
    ['an unknown mount type', { mounts: [{ type: 'nfs', target: '/n' }] }, 'unknown mount type: nfs'],
    [
      'none with another network',
      { networks: ['none', 'backend'] },
      'networks: none cannot be combined with other networks or sidecars',
    ],
    ['a sidecar without an image', { sidecars: [{ name: 'db' }] }, 'sidecars[0]: image is required'],
    [
      'a bad probe timeout',
      { sidecars: [{ name: 'db', image: 'pg', probe: { path: '/', port: 1, timeout: 'soon' } }] },
      'sidecars[0]: invalid probe timeout: soon',
    ],
    ['a relative workdir', { workdir: 'app' }, 'workdir must be an absolute path: app'],
    [
      'a file escaping the workdir',
      { post: [{ name: 'p', files: { '../x': '' } }] },
      'post[0]: invalid file name "../x": must stay inside the working directory',
    ],
    [
      'an absolute file name',
      { files: { '/etc/passwd': '' } },
      'invalid file name "/etc/passwd": must be a relative path',
    ],
  ])('rejects %s', (_, fields, message) => {
    expect(plan(fields)).toThrow(message);
  });

  it('gives pre and post tasks without an image the task image', () => {
    const made = planTask(
      { name: 't', image: 'busybox', pre: [{ name: 'p' }], post: [{ name: 'q', image: 'alpine' }] },
      policy,
    );
    expect([made.pre[0]!.image, made.main.image, made.post[0]!.image]).toEqual([
      'busybox',
      'busybox',
      'alpine',
    ]);
  });
});

describe('registry credentials', () => {
  let dir: string;
  let configFile: string;
  const savedPath = process.env.PATH;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-creds-'));
    configFile = join(dir, 'config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        auths: {
          'registry.example.com': { auth: Buffer.from('alice:pa:ss').toString('base64') },
          'https://index.docker.io/v1/': { username: 'hubuser', password: 'hubpass' },
        },
        credHelpers: { 'helped.example.com': 'drovertest' },
      }),
    );
    // A credential helper is any `docker-credential-<name>` on the PATH.
    const helper = join(dir, 'docker-credential-drovertest');
    await writeFile(
      helper,
      '#!/bin/sh\nread server\necho "{\\"Username\\":\\"helper-for-$server\\",\\"Secret\\":\\"s3\\"}"\n',
    );
    await chmod(helper, 0o755);
    process.env.PATH = `${dir}:${savedPath}`;
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['busybox', 'docker.io'],
    ['library/busybox:1', 'docker.io'],
    ['localhost/app', 'localhost'],
    ['registry.example.com/team/app:2', 'registry.example.com'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000'],
  ])('finds the registry host of %s', (image, host) => {
    expect(registryHost(image)).toBe(host);
  });

  it('prefers the task registry credentials', async () => {
    expect(await pullAuth('registry.example.com/app', { username: 'u', password: 'p' }, configFile)).toEqual({
      username: 'u',
      password: 'p',
      serveraddress: 'registry.example.com',
    });
  });

  it('reads credentials for the image registry from the Docker config file', async () => {
    expect(await pullAuth('registry.example.com/app', undefined, configFile)).toEqual({
      username: 'alice',
      password: 'pa:ss',
      serveraddress: 'registry.example.com',
    });
    expect(await pullAuth('busybox', undefined, configFile)).toEqual({
      username: 'hubuser',
      password: 'hubpass',
      serveraddress: 'docker.io',
    });
    expect(await pullAuth('other.example.com/app', undefined, configFile)).toBeUndefined();
  });

  it('asks the credential helper configured for the registry', async () => {
    expect(await pullAuth('helped.example.com/app', undefined, configFile)).toEqual({
      username: 'helper-for-helped.example.com',
      password: 's3',
      serveraddress: 'helped.example.com',
    });
  });

  it('pulls anonymously without a config file, and names a config file that is not JSON', async () => {
    expect(await pullAuth('registry.example.com/app', undefined, join(dir, 'missing.json'))).toBeUndefined();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{');
    await expect(pullAuth('busybox', undefined, bad)).rejects.toThrow(
      `Docker config file ${bad} is not valid JSON`,
    );
  });
});
