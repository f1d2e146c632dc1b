import type { Datastore } from '../datastore/datastore.js';
import { InputError, type InputIssue } from '../errors.js';
import type { Permission } from '../model/job.js';

/**
 * Check that every user and role named in `permissions` exists (jobs spec §8.3) and return the
 * permissions with the stored user or role (ids included). Every missing name is reported in
 * one 400, each under its field path.
 */
export async function resolvePermissions(
  datastore: Datastore,
  permissions: Permission[],
): Promise<Permission[]> {
  const issues: InputIssue[] = [];
  const resolved: Permission[] = [];
  for (const [i, permission] of permissions.entries()) {
    const username = permission.user?.username;
    const slug = permission.role?.slug;
    if (username !== undefined) {
      const user = await datastore.findUser(username);
      if (user)
        resolved.push({
          user: { id: user.id, name: user.name, username: user.username, createdAt: user.createdAt },
        });
      else
        issues.push({
          path: `permissions[${i}].user`,
          message: `user ${JSON.stringify(username)} does not exist`,
        });
    } else if (slug !== undefined) {
      const role = await datastore.findRole(slug);
      if (role) resolved.push({ role });
      else
        issues.push({
          path: `permissions[${i}].role`,
          message: `role ${JSON.stringify(slug)} does not exist`,
        });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return resolved;
}
