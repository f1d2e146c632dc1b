import type { JobDefaults, Permission, User } from './job.js';
import type { ScheduledJobState } from './states.js';
import type { AutoDelete, Task, Webhook } from './task.js';

export interface ScheduledJob {
  id: string;
  name: string;
  description?: string;
  cron: string;
  state: ScheduledJobState;
  inputs?: Record<string, string>;
  tasks: Task[];
  createdBy?: User;
  defaults?: JobDefaults;
  autoDelete?: AutoDelete;
  webhooks?: Webhook[];
  permissions?: Permission[];
  createdAt: Date;
  tags?: string[];
  secrets?: Record<string, string>;
  output?: string;
}
