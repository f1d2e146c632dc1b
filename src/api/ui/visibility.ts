/**
 * Job permissions in the UI's reads (the rules are `auth/principal.ts`): lists get the
 * datastore's `username` filter, single reads 404 like a missing object, and views that show
 * tasks of many jobs (overview, nodes, queues) leave out those of jobs the caller may not see.
 */
import type { FastifyRequest } from 'fastify';
import { isPermitted, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';

/** `jobId → may the caller see it`, reading each job at most once. Everyone sees all without auth. */
export function jobVisibility(
  ctx: ApiContext,
  principal: Principal | undefined,
): (jobId: string | undefined) => Promise<boolean> {
  if (!principal || principal.isAdmin) return async () => true;
  const seen = new Map<string, Promise<boolean>>();
  return (jobId) => {
    if (!jobId) return Promise.resolve(false);
    let answer = seen.get(jobId);
    if (!answer) {
      answer = ctx.datastore.findJob(jobId).then((job) => !!job && isPermitted(principal, job.permissions));
      seen.set(jobId, answer);
    }
    return answer;
  };
}

/** The items whose job the caller may see, in order. */
export async function visibleOnly<T>(
  items: T[],
  jobOf: (item: T) => string | undefined,
  canSee: (jobId: string | undefined) => Promise<boolean>,
): Promise<T[]> {
  const keep = await Promise.all(items.map((item) => canSee(jobOf(item))));
  return items.filter((_, i) => keep[i]);
}

export function principalOfRequest(request: FastifyRequest): Principal | undefined {
  return request.principal;
}
