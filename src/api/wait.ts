/**
 * Wait mode of `POST /jobs`: hold the response until the job reaches a terminal state.
 * The job is watched before it is published (so no event can be missed), and the watch always
 * ends with the request, whichever way it ends.
 */
import type { FastifyReply } from 'fastify';

import { deferred } from '../async.js';
import { DroverError, TimeoutError } from '../errors.js';
import type { Job } from '../model/job.js';
import { isJobTerminal } from '../model/states.js';
import type { JobEndWatcher } from './job-end-watcher.js';

export interface WaitOptions {
  watcher: JobEndWatcher;
  jobId: string;
  timeoutMs: number;
  /** The response: a client that goes away ends the wait. */
  reply: FastifyReply;
  /** Aborted when the server is closing. */
  closing: AbortSignal;
  /** Publishes the job; runs once the subscription is in place. */
  start: () => Promise<void>;
}

/** The job as carried by its terminal event. Throws 408 on timeout or disconnect, 500 on shutdown. */
export async function waitForJobEnd(options: WaitOptions): Promise<Job> {
  const { watcher, jobId, reply, closing } = options;
  const ended = deferred<Job>();
  // A rejection may come before anyone awaits (e.g. while publishing); it is awaited below.
  ended.promise.catch(() => undefined);
  const stopWatching = await watcher.watch(jobId, (job) => {
    if (isJobTerminal(job.state)) ended.resolve(job);
  });

  const timer = setTimeout(
    () => ended.reject(new TimeoutError('timeout waiting for job to complete')),
    options.timeoutMs,
  );
  const onClientGone = (): void => {
    if (!reply.raw.writableEnded) ended.reject(new TimeoutError('request cancelled'));
  };
  const onClosing = (): void => ended.reject(new DroverError('server shutting down', 500, 'SHUTTING_DOWN'));
  reply.raw.once('close', onClientGone);
  if (closing.aborted) onClosing();
  closing.addEventListener('abort', onClosing, { once: true });
  try {
    // The job may end before the submit has returned: its last step waits for the broker to
    // confirm the messages it sent (a disk flush on RabbitMQ), and a one-task job can be done
    // by then. A job that ended was stored and started, so its end answers at once; a submit
    // that fails first still fails the request.
    const started = options.start();
    started.catch(() => undefined);
    await Promise.race([started, ended.promise]);
    return await ended.promise;
  } finally {
    clearTimeout(timer);
    reply.raw.off('close', onClientGone);
    closing.removeEventListener('abort', onClosing);
    stopWatching();
  }
}
