/**
 * Messages and events as AMQP bodies: Tork's JSON (the same shapes as the REST API, from
 * `model/wire.ts`), with Tork's AMQP `type` property (`*tork.Task`, …), so that Tork's tools can
 * read Drover's queues and the other way round. Drover's own facts travel in `x-drover-*` headers,
 * which Tork ignores.
 */
import type { Event, Message } from '../broker.js';
import type { Job } from '../../model/job.js';
import type { Task } from '../../model/task.js';
import {
  jobFromWire,
  jobToWire,
  logPartFromWire,
  logPartToWire,
  nodeFromWire,
  nodeToWire,
  scheduledJobFromWire,
  scheduledJobToWire,
  taskFromWire,
  taskToWire,
  type WireObject,
} from '../../model/wire.js';

/**
 * The version of what Drover nodes say to each other over the broker: message shapes, headers
 * and queue semantics. Raised whenever a change would make an older node misread a message. A
 * node refuses (and parks) messages of another version instead of misreading them.
 */
export const PROTOCOL_VERSION = 1;

/** Header names, spelled once. */
export const HEADER = {
  /** The sender's `PROTOCOL_VERSION`. Absent on messages from Tork or hand-made ones. */
  protocol: 'x-drover-protocol',
  /** Failed handler runs so far (redelivery by the broker layer, not by RabbitMQ). */
  attempts: 'x-drover-attempts',
  /** Handler runs that hit an outage (not counted as failures). */
  outages: 'x-drover-outages',
  /** On a RESTART job message: the job's stored state (Tork's body says `RESTART`). */
  jobState: 'x-drover-job-state',
  /** On a dead-lettered message: the queue it failed on and the last error. */
  failedQueue: 'x-drover-failed-queue',
  failedError: 'x-drover-failed-error',
  /** On a parked message: why it was parked. */
  parkedReason: 'x-drover-parked-reason',
} as const;

const TYPE = {
  task: '*tork.Task',
  job: '*tork.Job',
  node: '*tork.Node',
  log: '*tork.TaskLogPart',
  scheduledJob: '*tork.ScheduledJob',
} as const;

export const CONTENT_TYPE = 'application/json';

export interface Encoded {
  body: Buffer;
  type: string;
  headers: Record<string, unknown>;
}

/** Tork's task JSON plus Drover's extension fields that the wire shape leaves out. */
function taskBody(task: Task): WireObject {
  const wire = taskToWire(task);
  if (task.childIndex !== undefined) wire.childIndex = task.childIndex;
  return wire;
}

function taskFromBody(body: WireObject): Task {
  const task = taskFromWire(body);
  if (typeof body.childIndex === 'number') task.childIndex = body.childIndex;
  return task;
}

function json(value: WireObject): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function encodeMessage(message: Message): Encoded {
  const headers: Record<string, unknown> = { [HEADER.protocol]: PROTOCOL_VERSION };
  switch (message.kind) {
    case 'task':
      return { body: json(taskBody(message.task)), type: TYPE.task, headers };
    case 'job': {
      const wire = jobToWire(message.job);
      // `execution` is API-only; the job message carries the job itself.
      delete wire.execution;
      if (message.restart) {
        wire.state = 'RESTART';
        headers[HEADER.jobState] = message.job.state;
      }
      return { body: json(wire), type: TYPE.job, headers };
    }
    case 'node':
      return { body: json(nodeToWire(message.node, message.node.lastHeartbeatAt)), type: TYPE.node, headers };
    case 'log':
      return { body: json(logPartToWire(message.part)), type: TYPE.log, headers };
  }
}

/** Throws when the body is not JSON or the type is not one a queue carries. */
export function decodeMessage(body: Buffer, type: unknown, headers: Record<string, unknown>): Message {
  const wire = parse(body);
  switch (type) {
    case TYPE.task:
      return { kind: 'task', task: taskFromBody(wire) };
    case TYPE.job: {
      const restart = wire.state === 'RESTART';
      if (restart) wire.state = stringHeader(headers[HEADER.jobState]) ?? 'FAILED';
      const job: Job = jobFromWire(wire);
      return restart ? { kind: 'job', job, restart } : { kind: 'job', job };
    }
    case TYPE.node:
      return { kind: 'node', node: nodeFromWire(wire) };
    case TYPE.log:
      return { kind: 'log', part: logPartFromWire(wire) };
    default:
      throw new Error(`unknown message type ${JSON.stringify(type)}`);
  }
}

export function encodeEvent(event: Event): Encoded {
  const headers: Record<string, unknown> = { [HEADER.protocol]: PROTOCOL_VERSION };
  switch (event.kind) {
    case 'job':
      return { body: json(jobToWire(event.job)), type: TYPE.job, headers };
    case 'task':
      return { body: json(taskBody(event.task)), type: TYPE.task, headers };
    case 'scheduled-job':
      return { body: json(scheduledJobToWire(event.scheduledJob)), type: TYPE.scheduledJob, headers };
  }
}

export function decodeEvent(body: Buffer, type: unknown): Event {
  const wire = parse(body);
  switch (type) {
    case TYPE.job: {
      const job = jobFromWire(wire);
      return { kind: 'job', job };
    }
    case TYPE.task:
      return { kind: 'task', task: taskFromBody(wire) };
    case TYPE.scheduledJob:
      return { kind: 'scheduled-job', scheduledJob: scheduledJobFromWire(wire) };
    default:
      throw new Error(`unknown event type ${JSON.stringify(type)}`);
  }
}

/** The sender's protocol version, or undefined when the message carries none (Tork, by hand). */
export function protocolOf(headers: Record<string, unknown>): number | undefined {
  const value = headers[HEADER.protocol];
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : -1;
}

/** Who sent a message, for log lines: the node of a heartbeat, else nothing. */
export function describeSender(body: Buffer, type: unknown): Record<string, unknown> {
  if (type !== TYPE.node) return {};
  try {
    const wire = parse(body);
    return { senderNodeId: wire.id, senderName: wire.name, senderVersion: wire.version, senderHostname: wire.hostname };
  } catch {
    return {};
  }
}

/** Whether a body is a task (what may be forwarded to `redeliveries`). */
export function isTaskType(type: unknown): boolean {
  return type === TYPE.task;
}

export function stringHeader(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function parse(body: Buffer): WireObject {
  const value: unknown = JSON.parse(body.toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('message body is not a JSON object');
  }
  return value as WireObject;
}
