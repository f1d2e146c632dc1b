import type { FastifyInstance } from 'fastify';

import { ForbiddenError, InputError } from '../../errors.js';
import { userToWire } from '../../model/wire.js';
import { MAX_PASSWORD_BYTES } from '../auth/password.js';
import { principalOf } from '../auth/principal.js';
import { createUser, type NewUser } from '../auth/users.js';
import type { ApiContext } from '../context.js';
import { sendJson } from '../reply.js';

const MAX_ROLE_SLUG = 64;

/**
 * `POST /users` (api spec §3.20): `{"username", "password", "name"}`, plus Drover's `roles`
 * (role slugs, created when missing; `admin` makes an admin). Lenient decoding as in Tork: the
 * content type is not checked and unknown fields are ignored. With authentication on, only
 * admins may create users (Tork let any authenticated user do it).
 */
export function registerUserRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/users', async (request, reply) => {
    const principal = principalOf(request);
    if (principal && !principal.isAdmin) throw new ForbiddenError('only admins can create users');
    const input = parseNewUser(typeof request.body === 'string' ? request.body : '');
    const user = await createUser(ctx.datastore, input);
    return sendJson(reply, 200, userToWire(user));
  });
}

function parseNewUser(body: string): NewUser {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new InputError(body.trim() === '' ? 'EOF' : (err as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('the body must be a JSON object with username and password');
  }
  const fields = value as Record<string, unknown>;
  const username = stringField(fields, 'username').trim();
  if (username === '') throw new InputError('must provide username');
  const password = stringField(fields, 'password').trim();
  if (password === '') throw new InputError('must provide password');
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new InputError(`invalid password: at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  const input: NewUser = { username, password };
  const name = stringField(fields, 'name').trim();
  if (name) input.name = name;
  if (fields.roles !== undefined) input.roles = parseRoles(fields.roles);
  return input;
}

function stringField(fields: Record<string, unknown>, key: string): string {
  const value = fields[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new InputError([{ path: key, message: 'must be a string' }]);
  return value;
}

function parseRoles(value: unknown): string[] {
  if (!Array.isArray(value))
    throw new InputError([{ path: 'roles', message: 'must be a list of role slugs' }]);
  return value.map((slug, i) => {
    if (typeof slug !== 'string' || slug.trim() === '' || slug.trim().length > MAX_ROLE_SLUG) {
      throw new InputError([
        { path: `roles[${i}]`, message: `must be a role slug of 1 to ${MAX_ROLE_SLUG} characters` },
      ]);
    }
    return slug.trim();
  });
}
