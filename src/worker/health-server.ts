import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { encodeJson } from '../model/wire.js';

export interface WorkerHealthServerOptions {
  /**
   * `host:port` to listen on. Empty: the first free port from 8001 to 8099 on every interface,
   * as Tork does (api spec §3.21).
   */
  address: string;
  /** Resolves when the worker can work (runtime and broker answer); rejects otherwise. */
  check: () => Promise<void>;
  version: string;
  logger: Logger;
}

export interface WorkerHealthServer {
  url: string;
  port: number;
  /** True when the port was picked from the 8001–8099 range (workers report it in heartbeats). */
  autoAssigned: boolean;
  close(): Promise<void>;
}

const FIRST_AUTO_PORT = 8001;
const LAST_AUTO_PORT = 8099;
/** A health check that hangs is a failed one. */
const CHECK_TIMEOUT_MS = 5000;

/**
 * The worker's own small HTTP server: `GET /health` only, answering 200 `{"status":"UP",…}`
 * or 503 `{"status":"DOWN",…}`, so that a process manager or load balancer can watch a worker
 * that has no API of its own.
 */
export async function startWorkerHealthServer(options: WorkerHealthServerOptions): Promise<WorkerHealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/health') {
      send(res, 404, { message: 'Not Found' });
      return;
    }
    withTimeout(options.check(), CHECK_TIMEOUT_MS).then(
      () => send(res, 200, { status: 'UP', version: options.version }),
      (err: unknown) => {
        options.logger.warn({ err: coerceError(err) }, 'worker health check failed');
        send(res, 503, { status: 'DOWN', version: options.version });
      },
    );
  });
  const autoAssigned = options.address === '';
  if (autoAssigned) await listenOnFirstFreePort(server);
  else {
    const { host, port } = splitHostPort(options.address);
    await listen(server, port, host);
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  options.logger.info({ url }, 'worker health endpoint listening');
  return {
    url,
    port: address.port,
    autoAssigned,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = encodeJson(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function listen(server: Server, port: number, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

async function listenOnFirstFreePort(server: Server): Promise<void> {
  for (let port = FIRST_AUTO_PORT; port <= LAST_AUTO_PORT; port++) {
    try {
      await listen(server, port);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error(`worker.address: no free port from ${FIRST_AUTO_PORT} to ${LAST_AUTO_PORT}; set worker.address`);
}

function splitHostPort(address: string): { host: string | undefined; port: number } {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new Error(`worker.address: "${address}" is not host:port`);
  return { host: m[1] === '' ? undefined : m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`health check took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
