/** One chunk of a task's combined stdout/stderr. `number` counts from 1 within a task. */
export interface TaskLogPart {
  id?: string;
  number: number;
  taskId: string;
  contents: string;
  createdAt?: Date;
}
