import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';

/**
 * Checkpoints an SQLite file's write-ahead log from a worker thread, on a connection of its own.
 *
 * Why: SQLite checkpoints the log inside the commit that crosses `wal_autocheckpoint` pages, and
 * with `synchronous = NORMAL` a checkpoint flushes the log and the database file to disk. On the
 * server's connection that stalls the event loop, which runs the API and the coordinator: under
 * load it was most of what a commit cost (0.7 ms of 1 ms, on a batch of eight tasks). A passive
 * checkpoint from another connection takes no lock that writers wait for, so commits go on while
 * it copies pages and waits for the disk. The log still goes back to its start once a checkpoint
 * has caught up with it (the next writer rewinds it), so it stays as small as before.
 *
 * The thread runs the checkpoint every `intervalMs`, and once more when closed. The server's
 * connection keeps a high `wal_autocheckpoint` as a backstop, should this thread fall behind.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(path: string, logger: Logger, intervalMs = 100) {
    // A source string, not a file: the thread then runs the same under tsx, Vitest and `dist/`.
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, intervalMs, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
      // A checkpoint needs little: keep the thread's heap small (the server's idle RSS counts it).
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    // Never what keeps the process alive.
    this.worker.unref();
    // The thread reports only its first failure: a failing checkpoint (the disk full, say) fails
    // every time, and one warning is enough.
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error) logger.warn({ path, error: message.error }, 'background WAL checkpoint failed; the commit path checkpoints instead');
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('error', (err) => {
        logger.warn({ path, err }, 'WAL checkpoint thread stopped; the commit path checkpoints instead');
        resolve();
      });
      this.worker.once('exit', () => resolve());
    });
  }

  /** One last checkpoint, then the thread ends. */
  async close(timeoutMs = 5000): Promise<void> {
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), timeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The thread: a connection of its own that runs `wal_checkpoint(PASSIVE)` on a timer. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// Passive checkpoints never wait for a lock, so no busy timeout is needed.
const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
db.pragma('synchronous = NORMAL');
let failed = false;
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (!failed) parentPort.postMessage({ error: String((err && err.message) || err) });
    failed = true;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;
