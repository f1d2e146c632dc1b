/**
 * Creating users and giving them roles: shared by `POST /users` and the start-up bootstrap of
 * the first admin (`middleware.web.basicauth.admin.*`).
 */
import type { Datastore } from '../../datastore/datastore.js';
import { InputError } from '../../errors.js';
import { newId } from '../../model/ids.js';
import type { Role, User } from '../../model/job.js';
import type { Logger } from '../../logger.js';
import { hashPassword } from './password.js';
import { ADMIN_ROLE } from './principal.js';

export interface NewUser {
  username: string;
  password: string;
  name?: string;
  /** Role slugs; a role that does not exist yet is created. */
  roles?: string[];
}

/**
 * Create a user with a scrypt hash of the password and the given roles (created when missing).
 * The hash is computed before the transaction, so the slow part holds no lock. A taken username
 * (or a user id equal to it) is a 400 `user already exists`.
 */
export async function createUser(datastore: Datastore, input: NewUser): Promise<User> {
  if (await datastore.findUser(input.username)) throw new InputError('user already exists');
  const passwordHash = await hashPassword(input.password);
  const user: User = { id: newId(), username: input.username, createdAt: new Date() };
  if (input.name) user.name = input.name;
  await datastore.transaction(async (tx) => {
    await tx.createUser({ ...user, passwordHash });
    for (const slug of new Set(input.roles ?? [])) {
      const role = await findOrCreateRole(tx, slug);
      await tx.assignRole(user.id!, role.id!);
    }
  });
  return user;
}

async function findOrCreateRole(datastore: Datastore, slug: string): Promise<Role> {
  const found = await datastore.findRole(slug);
  if (found) return found;
  const role: Role = {
    id: newId(),
    slug,
    name: slug === ADMIN_ROLE ? 'Administrators' : slug,
    createdAt: new Date(),
  };
  await datastore.createRole(role);
  return role;
}

/**
 * At start-up: make sure the `admin` role exists and, when a bootstrap password is configured,
 * that the bootstrap admin exists and holds it. An existing user keeps its password: the
 * configured one only serves to create the first admin. Another coordinator starting at the same
 * time may win the race; that is fine.
 */
export async function bootstrapAdmin(
  datastore: Datastore,
  admin: { username: string; password: string },
  logger: Logger,
): Promise<void> {
  try {
    await datastore.transaction((tx) => findOrCreateRole(tx, ADMIN_ROLE));
    if (!admin.password || !admin.username) return;
    const existing = await datastore.findUser(admin.username);
    if (existing && existing.username === admin.username) {
      const role = await datastore.findRole(ADMIN_ROLE);
      await datastore.assignRole(existing.id!, role!.id!);
      return;
    }
    await createUser(datastore, { username: admin.username, password: admin.password, roles: [ADMIN_ROLE] });
    logger.info({ username: admin.username }, 'admin user created');
  } catch (err) {
    if (err instanceof InputError) return;
    throw err;
  }
}
