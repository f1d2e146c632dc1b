import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: `DROVER_TEST_POSTGRES_URL`, else the local server of the CI
 * machine (trust auth, user postgres, database `test`). A test that needs it and cannot reach it
 * fails with the fix in the message; it never skips.
 */
export const POSTGRES_URL = process.env.DROVER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${url} (${(err as Error).message}). ` +
        'Start it with `.ci/services.sh`, or point DROVER_TEST_POSTGRES_URL at a server.',
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Run one statement as the admin user on the test database. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  return withClient(POSTGRES_URL, async (client) => (await client.query<R>(text, values)).rows);
}

/** A fresh schema name (not created: the datastore's `migrate()` creates it). */
export function newSchemaName(): string {
  return `drover_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export async function dropSchemas(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await withClient(POSTGRES_URL, async (client) => {
    for (const name of names) await client.query(`drop schema if exists "${name}" cascade`);
  });
}

/** A fresh, empty database; returns its URL. */
export async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `drover_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await adminQuery(`create database "${name}"`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists "${name}" with (force)`);
}

/** Query a database other than the admin one. */
export async function queryDatabase<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  return withClient(url, async (client) => (await client.query<R>(text, values)).rows);
}
