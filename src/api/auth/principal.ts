/**
 * Who a request speaks for. Set by the auth middleware on `request.principal`; absent when
 * authentication is off, in which case every caller may see and do everything (as in Tork).
 */
import type { FastifyRequest } from 'fastify';

import type { Permission } from '../../model/job.js';

/** The role whose members see and control every job (and may create users). */
export const ADMIN_ROLE = 'admin';

export interface Principal {
  /** How the request proved who it is. */
  method: 'basic' | 'key' | 'session';
  /** The user; undefined for the API key, which is a machine credential with admin rights. */
  user?: { id: string; username: string };
  /** Ids and slugs of the user's roles. */
  roles: ReadonlySet<string>;
  isAdmin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth middleware when authentication is on. */
    principal?: Principal;
  }
}

export function principalOf(request: FastifyRequest): Principal | undefined {
  return request.principal;
}

/** Everything of a principal that what it may see depends on, as a string (for cache keys). */
export function principalKey(principal: Principal | undefined): string {
  if (principal === undefined) return '';
  return [principal.method, principal.user?.id ?? '', principal.isAdmin, [...principal.roles].sort().join(',')].join(
    '|',
  );
}

/**
 * Whether the caller may see (and act on) an object with these permissions (jobs spec §8.3): no
 * authentication, an admin, an object without permissions, or a permission naming the user or
 * one of their roles. Tork only applied this to lists; Drover applies it to every read and
 * state change.
 */
export function isPermitted(
  principal: Principal | undefined,
  permissions: Permission[] | undefined,
): boolean {
  if (!principal || principal.isAdmin) return true;
  if (!permissions || permissions.length === 0) return true;
  const user = principal.user;
  if (!user) return false;
  return permissions.some((p) => {
    if (p.user) return p.user.id === user.id || p.user.username === user.username;
    if (p.role)
      return (
        (p.role.id !== undefined && principal.roles.has(p.role.id)) ||
        (p.role.slug !== undefined && principal.roles.has(p.role.slug))
      );
    return false;
  });
}

/** The `username` filter for list queries: set only for callers who are not allowed everything. */
export function listFilterOf(principal: Principal | undefined): { username?: string } {
  if (!principal || principal.isAdmin) return {};
  // A principal without a user and without admin rights sees only unrestricted objects.
  return { username: principal.user?.username ?? '\u0000' };
}
