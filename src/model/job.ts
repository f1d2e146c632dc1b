import type { JobState } from './states.js';
import type { AutoDelete, Task, Webhook } from './task.js';

export interface User {
  id?: string;
  name?: string;
  username?: string;
  createdAt?: Date;
  disabled?: boolean;
}

export interface Role {
  id?: string;
  slug?: string;
  name?: string;
  createdAt?: Date;
}

export interface Permission {
  user?: User;
  role?: Role;
}

export interface JobDefaults {
  retry?: { limit: number };
  limits?: { cpus?: string; memory?: string };
  timeout?: string;
  queue?: string;
  priority?: number;
}

/** The evaluation context of a job: four string maps (engine spec §7). */
export interface JobContext {
  job?: Record<string, string>;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  tasks?: Record<string, string>;
}

export interface JobSchedule {
  id: string;
  cron?: string;
}

export interface Job {
  id: string;
  /** Id of the task that started this job when it is an attached sub-job. */
  parentId?: string;
  name: string;
  description?: string;
  tags?: string[];
  state: JobState;
  createdAt: Date;
  createdBy?: User;
  startedAt?: Date;
  completedAt?: Date;
  failedAt?: Date;
  /** The task definitions as submitted; never changed by a run. */
  tasks: Task[];
  /** 1-based index of the current top-level task; 0 before start. */
  position: number;
  inputs?: Record<string, string>;
  context: JobContext;
  taskCount: number;
  output?: string;
  result?: string;
  error?: string;
  defaults?: JobDefaults;
  webhooks?: Webhook[];
  permissions?: Permission[];
  autoDelete?: AutoDelete;
  deleteAt?: Date;
  secrets?: Record<string, string>;
  progress?: number;
  schedule?: JobSchedule;
}
