import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { SecretCipher } from '../../src/datastore/sql/cipher.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { runDatastoreContract } from '../contract/datastore.contract.js';
import { makeJob, makeTask } from '../datastore/contract/fixtures.js';
import { useTempDirs } from '../datastore/helpers.js';

const temp = useTempDirs();
const KEY = 'correct horse battery staple';
const SECRET = 'pa55-Wörd-"quoted"-0xC0FFEE';

async function open(path: string, encryptionKey?: string): Promise<SqliteDatastore> {
  const ds = new SqliteDatastore({ path, ...(encryptionKey === undefined ? {} : { encryptionKey }) });
  await ds.migrate();
  return ds;
}

// Every behaviour of the datastore holds with the sealed columns on.
runDatastoreContract('sqlite, secrets sealed at rest', () => open(temp.newDbPath(), KEY));

/** A job whose secret sits in every sealed place: secrets, context, result, error, a task. */
async function storeSecretEverywhere(ds: SqliteDatastore) {
  const job = makeJob({
    secrets: { token: SECRET },
    context: { inputs: {}, secrets: { token: SECRET }, tasks: { out: `x${SECRET}y` } },
    result: `result ${SECRET}`,
    error: `error ${SECRET}`,
  });
  await ds.createJob(job);
  const task = makeTask(job, { env: { TOKEN: SECRET }, result: `${SECRET}!` });
  await ds.createTask(task);
  // Updates too (compiled once per shape: a sealed column must still be sealed every time).
  for (let i = 0; i < 2; i++) {
    await ds.updateTask(task.id!, (t) => void (t.result = `${SECRET}!${i}`));
    await ds.updateJob(job.id, (j) => void (j.context.tasks = { ...j.context.tasks, [`more${i}`]: SECRET }));
  }
  await ds.createScheduledJob({
    id: 'sj1',
    name: 'nightly',
    cron: '0 0 * * *',
    state: 'ACTIVE',
    tasks: [{ name: 't', run: 'echo' }],
    createdAt: new Date(),
    secrets: { token: SECRET },
  });
  await ds.enqueueWebhooks([
    {
      id: 'w1',
      jobId: job.id,
      event: 'job.StateChange',
      url: 'http://127.0.0.1:1/hook',
      headers: { authorization: `Bearer ${SECRET}` },
      body: '{}',
      attempts: 0,
      state: 'PENDING',
      nextAttemptAt: new Date(),
      createdAt: new Date(),
    },
  ]);
  return { job, task };
}

/** Every text cell of every table, read around the datastore. */
function rawCells(path: string): string[] {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as {
      name: string;
    }[];
    return tables.flatMap(({ name }) =>
      (db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]).flatMap((row) =>
        Object.values(row).filter((v): v is string => typeof v === 'string'),
      ),
    );
  } finally {
    db.close();
  }
}

describe('secrets at rest', () => {
  it('stores no secret in clear anywhere in the file when a key is set, and reads it back', async () => {
    const path = temp.newDbPath();
    const ds = await open(path, KEY);
    const { job, task } = await storeSecretEverywhere(ds);
    await ds.close();

    const cells = rawCells(path);
    expect(cells.filter((cell) => cell.includes('pa55'))).toEqual([]);
    expect(cells.some((cell) => cell.startsWith('enc:'))).toBe(true);

    const again = await open(path, KEY);
    const read = await again.getJob(job.id);
    expect(read.secrets).toEqual({ token: SECRET });
    expect(read.context.secrets).toEqual({ token: SECRET });
    expect([read.result, read.error]).toEqual([`result ${SECRET}`, `error ${SECRET}`]);
    expect((await again.getTask(task.id!)).env).toEqual({ TOKEN: SECRET });
    expect((await again.getTask(task.id!)).result).toBe(`${SECRET}!1`);
    expect(read.context.tasks).toMatchObject({ more0: SECRET, more1: SECRET });
    expect((await again.getScheduledJob('sj1')).secrets).toEqual({ token: SECRET });
    expect((await again.getWebhooks(job.id))[0]?.headers).toEqual({ authorization: `Bearer ${SECRET}` });
    await again.close();
  });

  it('stores secrets in clear without a key, as Tork does', async () => {
    const path = temp.newDbPath();
    const ds = await open(path);
    await storeSecretEverywhere(ds);
    await ds.close();
    expect(rawCells(path).some((cell) => cell.includes(SECRET))).toBe(true);
  });

  it('refuses to read sealed data without the key or with another key, saying what is wrong', async () => {
    const path = temp.newDbPath();
    const ds = await open(path, KEY);
    const { job } = await storeSecretEverywhere(ds);
    await ds.close();
    const without = await open(path);
    await expect(without.getJob(job.id)).rejects.toThrow(
      /holds encrypted data: set datastore.encryption.key to read it/,
    );
    await without.close();
    const wrong = await open(path, 'another key');
    await expect(wrong.getJob(job.id)).rejects.toThrow(
      /sealed under another key: check datastore.encryption.key/,
    );
    await wrong.close();
  });

  it('rejects a sealed value changed on disk (the cipher authenticates)', () => {
    const cipher = new SecretCipher(KEY);
    const sealed = cipher.seal('value');
    expect(cipher.open(sealed)).toBe('value');
    const raw = Buffer.from(sealed.slice(4), 'base64');
    raw[14] = raw[14]! ^ 1;
    expect(cipher.open(`enc:${raw.toString('base64')}`)).toBeUndefined();
  });

  it('keeps a clear job result that merely starts like a sealed value', async () => {
    const ds = await open(temp.newDbPath());
    const job = makeJob({ result: 'enc:not-really-sealed' });
    await ds.createJob(job);
    expect((await ds.getJob(job.id)).result).toBe('enc:not-really-sealed');
    await ds.close();
  });
});
