import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_FREE_BYTES, chooseTempBase } from '../../src/runtime/shell/temp-base.js';

const TMPFS_MAGIC = 0x01021994;

describe('the base dir of shell work dirs', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'drover-temp-base-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('is the configured dir when one is set, whatever else is true', () => {
    expect(chooseTempBase({ configured: scratch, env: { TMPDIR: '/elsewhere' }, shm: '/dev/shm' })).toBe(scratch);
  });

  it("keeps the user's TMPDIR, without a trailing slash", () => {
    expect(chooseTempBase({ configured: '', env: { TMPDIR: '/var/tmp/' }, shm: '/dev/shm' })).toBe('/var/tmp');
    expect(chooseTempBase({ configured: '', env: { TMPDIR: '/' }, shm: '/dev/shm' })).toBe('/');
  });

  it('falls back to the system temp dir when the RAM-backed dir is missing', () => {
    expect(chooseTempBase({ configured: '', env: {}, shm: join(scratch, 'missing') })).toBe(tmpdir());
  });

  it('falls back to the system temp dir when the candidate is not a tmpfs', () => {
    // /proc is a procfs (and not writable): never a place for work dirs.
    expect(chooseTempBase({ configured: '', env: {}, shm: '/proc' })).toBe(tmpdir());
  });

  it('takes /dev/shm exactly when it is a writable tmpfs with room to spare', () => {
    let roomy = false;
    try {
      const fs = statfsSync('/dev/shm');
      roomy = fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= MIN_FREE_BYTES;
    } catch {
      roomy = false;
    }
    expect(chooseTempBase({ configured: '', env: {}, shm: '/dev/shm' })).toBe(roomy ? '/dev/shm' : tmpdir());
  });
});
