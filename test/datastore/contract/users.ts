import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { T0, makeJob, type DatastoreContext } from './fixtures.js';

export function describeUsers(ctx: DatastoreContext): void {
  describe('users and roles', () => {
    it('has the built-in guest user and public role after migration', async () => {
      expect(await ctx.ds.findUser('guest')).toEqual({
        id: expect.any(String),
        name: 'Guest',
        username: 'guest',
        disabled: true,
        createdAt: expect.any(Date),
      });
      expect(await ctx.ds.findRole('public')).toEqual({
        id: expect.any(String),
        slug: 'public',
        name: 'Public',
        createdAt: expect.any(Date),
      });
    });

    it('knows the guest user as the creator of jobs stored without one, in and out of transactions', async () => {
      const guest = await ctx.ds.guestUser();
      expect(guest).toEqual(await ctx.ds.findUser('guest'));
      const job = makeJob();
      delete job.createdBy;
      await ctx.ds.createJob(job);
      expect((await ctx.ds.getJob(job.id)).createdBy).toEqual(guest);
      expect(await ctx.ds.transaction((tx) => tx.guestUser())).toEqual(guest);
    });

    it('finds a user by username or by id, with the password hash', async () => {
      const user = { id: 'u1', username: 'alice', name: 'Alice', createdAt: T0, passwordHash: '$2a$10$hash' };
      await ctx.ds.createUser(user);
      expect(await ctx.ds.findUser('alice')).toEqual(user);
      expect(await ctx.ds.findUser('u1')).toEqual(user);
      expect(await ctx.ds.findUser('bob')).toBeUndefined();
    });

    it('rejects a second user with the same username', async () => {
      await ctx.ds.createUser({ username: 'alice' });
      const second = ctx.ds.createUser({ username: 'alice' });
      await expect(second).rejects.toThrow(new InputError('user already exists'));
      await expect(ctx.ds.createUser({ username: 'alice' })).rejects.toBeInstanceOf(InputError);
    });

    it('assigns roles to users, once however often it is asked', async () => {
      await ctx.ds.createUser({ id: 'u1', username: 'alice', createdAt: T0 });
      await ctx.ds.createRole({ id: 'r1', slug: 'ops', name: 'Ops', createdAt: T0 });
      await expect(ctx.ds.createRole({ slug: 'ops' })).rejects.toThrow(new InputError('role already exists'));
      const publicRole = await ctx.ds.findRole('public');
      await ctx.ds.assignRole('u1', 'r1');
      await ctx.ds.assignRole('u1', 'r1');
      await ctx.ds.assignRole('u1', publicRole!.id!);
      expect(await ctx.ds.findRole('r1')).toEqual({ id: 'r1', slug: 'ops', name: 'Ops', createdAt: T0 });
      expect((await ctx.ds.getUserRoles('u1')).map((r) => r.slug)).toEqual(['ops', 'public']);
      expect(await ctx.ds.getUserRoles('nobody')).toEqual([]);
    });
  });
}
