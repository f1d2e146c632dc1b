import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Permission, Role, User } from '../../model/job.js';
import { InputError, NotFoundError } from '../../errors.js';
import { newId } from '../../model/ids.js';
import type { SqlCapabilities } from './capabilities.js';
import {
  permissionFromRow,
  roleFromRow,
  roleToRow,
  userFromRow,
  userToRow,
  type PermissionRow,
} from './records.js';
import type { Database } from './tables.js';

type Db = Kysely<Database>;

/** Insert a user; `id` and `createdAt` default to a new id and now. A taken username is a 400. */
export async function insertUser(
  db: Db,
  caps: SqlCapabilities,
  user: User & { passwordHash?: string },
): Promise<void> {
  const row = userToRow(user, user.id ?? newId(), new Date());
  await rejectDuplicate(caps, 'user already exists', db.insertInto('users').values(row).execute());
}

export async function insertRole(db: Db, caps: SqlCapabilities, role: Role): Promise<void> {
  const row = roleToRow(role, role.id ?? newId(), new Date());
  await rejectDuplicate(caps, 'role already exists', db.insertInto('roles').values(row).execute());
}

async function rejectDuplicate(
  caps: SqlCapabilities,
  message: string,
  insert: Promise<unknown>,
): Promise<void> {
  try {
    await insert;
  } catch (err) {
    if (caps.isUniqueViolation(err)) throw new InputError(message);
    throw err;
  }
}

/** Give a user a role; assigning it twice is not an error. */
export async function assignRole(db: Db, userId: string, roleId: string): Promise<void> {
  await db
    .insertInto('users_roles')
    .values({ user_id: userId, role_id: roleId, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['user_id', 'role_id']).doNothing())
    .execute();
}

export async function findUser(
  db: Db,
  usernameOrId: string,
): Promise<(User & { passwordHash?: string }) | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('username', '=', usernameOrId), eb('id', '=', usernameOrId)]))
    .orderBy(sql`username = ${usernameOrId}`, 'desc')
    .executeTakeFirst();
  return row ? userFromRow(row) : undefined;
}

export async function findRole(db: Db, slugOrId: string): Promise<Role | undefined> {
  const row = await db
    .selectFrom('roles')
    .selectAll()
    .where((eb) => eb.or([eb('slug', '=', slugOrId), eb('id', '=', slugOrId)]))
    .orderBy(sql`slug = ${slugOrId}`, 'desc')
    .executeTakeFirst();
  return row ? roleFromRow(row) : undefined;
}

export async function getUserRoles(db: Db, userId: string): Promise<Role[]> {
  const rows = await db
    .selectFrom('users_roles as ur')
    .innerJoin('roles as r', 'r.id', 'ur.role_id')
    .selectAll('r')
    .where('ur.user_id', '=', userId)
    .orderBy('r.slug')
    .execute();
  return rows.map(roleFromRow);
}

/** The built-in `guest` user, the creator of jobs submitted without one. */
export async function findGuest(db: Db): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', 'guest').executeTakeFirst();
  if (!row) return undefined;
  const { passwordHash: _, ...user } = userFromRow(row);
  return user;
}

/** The user id to store as creator: the given id, else the user named, else undefined. */
export async function resolveCreatorId(db: Db, user: User): Promise<string | undefined> {
  if (user.id) return user.id;
  if (!user.username) return undefined;
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('username', '=', user.username)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`user ${user.username} not found`);
  return row.id;
}

export interface PermissionIds {
  user_id: string | null;
  role_id: string | null;
}

/** Permissions as stored: users by id (or username), roles by id (or slug), in one query each. */
export async function resolvePermissionIds(db: Db, permissions: Permission[]): Promise<PermissionIds[]> {
  const usernames = permissions.flatMap((p) =>
    p.user && !p.user.id && p.user.username ? [p.user.username] : [],
  );
  const slugs = permissions.flatMap((p) => (p.role && !p.role.id && p.role.slug ? [p.role.slug] : []));
  const userIds = new Map<string, string>();
  const roleIds = new Map<string, string>();
  if (usernames.length > 0) {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username', 'in', usernames)
      .execute();
    for (const row of rows) userIds.set(row.username, row.id);
  }
  if (slugs.length > 0) {
    const rows = await db.selectFrom('roles').select(['id', 'slug']).where('slug', 'in', slugs).execute();
    for (const row of rows) roleIds.set(row.slug, row.id);
  }
  return permissions.map((p) => ({
    user_id: p.user ? (p.user.id ?? lookup(userIds, p.user.username, 'user')) : null,
    role_id: p.role ? (p.role.id ?? lookup(roleIds, p.role.slug, 'role')) : null,
  }));
}

function lookup(ids: Map<string, string>, name: string | undefined, kind: string): string {
  const id = name === undefined ? undefined : ids.get(name);
  if (id === undefined) throw new NotFoundError(`${kind} ${name ?? '(no name)'} not found`);
  return id;
}

/** The permission tables and the column naming their owner. */
export type PermsTable =
  { table: 'jobs_perms'; owner: 'job_id' } | { table: 'scheduled_jobs_perms'; owner: 'scheduled_job_id' };

/** Permissions of many owners at once, with their users and roles, keyed by owner id. */
export async function selectPermissions(
  db: Db,
  perms: PermsTable,
  ownerIds: string[],
): Promise<Map<string, Permission[]>> {
  const byOwner = new Map<string, Permission[]>();
  if (ownerIds.length === 0) return byOwner;
  const result = await sql<PermissionRow>`
    select p.${sql.ref(perms.owner)} as owner_id,
      u.id as pu_id, u.name as pu_name, u.username as pu_username, u.created_at as pu_created_at,
      u.disabled as pu_disabled, r.id as pr_id, r.slug as pr_slug, r.name as pr_name, r.created_at as pr_created_at
    from ${sql.table(perms.table)} p
    left join users u on u.id = p.user_id
    left join roles r on r.id = p.role_id
    where p.${sql.ref(perms.owner)} in (${sql.join(ownerIds)})`.execute(db);
  for (const row of result.rows) {
    const list = byOwner.get(row.owner_id) ?? [];
    list.push(permissionFromRow(row));
    byOwner.set(row.owner_id, list);
  }
  return byOwner;
}

/**
 * The permission filter of list queries: the row (of `table`, in scope under its own name) has
 * no permissions, or one names the user, or one names a role the user has.
 */
export function visibleTo(
  table: 'jobs' | 'scheduled_jobs',
  perms: PermsTable,
  username: string,
): Expression<SqlBool> {
  // Uncorrelated IN subqueries: evaluated once per query, not once per row.
  return sql<SqlBool>`(${sql.ref(`${table}.has_perms`)} = 0 or ${sql.ref(`${table}.id`)} in (
    select p.${sql.ref(perms.owner)} from ${sql.table(perms.table)} p
    where p.user_id in (select id from users where username = ${username})
       or p.role_id in (select ur.role_id from users_roles ur join users u on u.id = ur.user_id
                        where u.username = ${username})))`;
}

/** Left-join the creator of a job or scheduled job as `cb_*` columns (see `CreatorColumns`). */
export const CREATOR_COLUMNS = [
  'cb.id as cb_id',
  'cb.name as cb_name',
  'cb.username as cb_username',
  'cb.created_at as cb_created_at',
  'cb.disabled as cb_disabled',
] as const;
