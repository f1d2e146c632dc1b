import type { Broker, Event, Subscription } from '../broker/broker.js';
import { TOPIC } from '../broker/broker.js';
import type { Job } from '../model/job.js';
import { isJobTerminal } from '../model/states.js';

type OnEnd = (job: Job) => void;

/** The topics that carry a job's terminal state. */
const TERMINAL_TOPICS = [TOPIC.jobCompleted, TOPIC.jobFailed, TOPIC.jobCancelled];

/**
 * Tells waiting `POST /jobs` requests (wait mode) when their job ends, through one set of event
 * subscriptions shared by all of them.
 *
 * Why not a subscription per request: on RabbitMQ each is a queue declared, bound and deleted
 * (round trips on every submit), and on the in-memory broker every job event is matched against
 * every waiting request. Subscribing to the terminal topics only also means that the frequent
 * progress and running events reach no one here, so the in-memory broker need not copy them.
 *
 * The subscriptions are made on the first wait and kept until `close()`.
 */
export class JobEndWatcher {
  private readonly waiters = new Map<string, Set<OnEnd>>();
  private subscribing: Promise<Subscription[]> | undefined;
  private closed = false;

  constructor(private readonly broker: Broker) {}

  /** Requests waiting now (each counted once per job it waits for). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Call `onEnd` with the job as carried by its terminal event. Resolves once such an event can
   * no longer be missed, so publish the job only after this resolved. Returns the function that
   * stops watching; call it whichever way the wait ends.
   */
  async watch(jobId: string, onEnd: OnEnd): Promise<() => void> {
    if (this.closed) throw new Error('the job end watcher is closed');
    let set = this.waiters.get(jobId);
    if (!set) this.waiters.set(jobId, (set = new Set()));
    set.add(onEnd);
    const stop = (): void => {
      set.delete(onEnd);
      if (set.size === 0 && this.waiters.get(jobId) === set) this.waiters.delete(jobId);
    };
    try {
      await this.subscribed();
    } catch (err) {
      stop();
      throw err;
    }
    return stop;
  }

  /**
   * A job of this process's coordinator ended (its change committed): tell its waiters now rather
   * than when the event comes back from the broker. The event still comes, and finds no one, or
   * a waiter already told (which ignores it). Returns whether anyone was told.
   */
  notify(job: Job): boolean {
    const set = this.waiters.get(job.id);
    if (!set || !isJobTerminal(job.state)) return false;
    // Waiters get their own copy, as from the broker: the coordinator's goes on to be encoded.
    const copy = structuredClone(job);
    for (const onEnd of [...set]) onEnd(copy);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.clear();
    const subscriptions = await this.subscribing?.catch(() => []);
    this.subscribing = undefined;
    await Promise.allSettled((subscriptions ?? []).map((s) => s.close()));
  }

  private subscribed(): Promise<Subscription[]> {
    this.subscribing ??= this.subscribe().catch((err: unknown) => {
      // Let the next wait try again rather than fail for good.
      this.subscribing = undefined;
      throw err;
    });
    return this.subscribing;
  }

  private async subscribe(): Promise<Subscription[]> {
    const handler = (_topic: string, event: Event): void => {
      if (event.kind !== 'job') return;
      const set = this.waiters.get(event.job.id);
      if (set) for (const onEnd of [...set]) onEnd(event.job);
    };
    const made: Subscription[] = [];
    try {
      for (const topic of TERMINAL_TOPICS) made.push(await this.broker.subscribeEvents(topic, handler));
    } catch (err) {
      await Promise.allSettled(made.map((s) => s.close()));
      throw err;
    }
    return made;
  }
}
