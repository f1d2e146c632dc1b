/** A real `drover run standalone` for the UI tests, and a few API shortcuts. */
import net from 'node:net';
import { waitFor } from '../../src/async.js';
import { client } from '../helpers/http.js';
import { startStandalone, type StandaloneProcess } from '../helpers/standalone.js';

export interface UiServer {
  proc: StandaloneProcess;
  url: string;
  api: ReturnType<typeof client>;
  submit(yaml: string): Promise<string>;
  waitForState(id: string, states: string[], timeoutMs?: number): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

export async function startUiServer(env: Record<string, string> = {}, dataDir?: string): Promise<UiServer> {
  const proc = await startStandalone({ dataDir, env: { DROVER_WORKER_QUEUES_DEFAULT: '8', ...env } });
  const api = client(proc.url);
  return {
    proc,
    url: proc.url,
    api,
    submit: async (yaml) => {
      const res = await api.postYaml<{ id: string }>(yaml);
      if (res.status !== 200) throw new Error(`submit: ${res.status} ${res.text}`);
      return res.body.id;
    },
    waitForState: (id, states, timeoutMs = 20_000) => api.waitForJob(id, states, timeoutMs),
    stop: async () => {
      await proc.stop();
    },
  };
}

/**
 * A TCP proxy in front of the server, so a test can cut every connection (the event stream
 * included) the way a flaky network or a proxy restart would, and refuse new ones for a while.
 */
export interface CuttableProxy {
  url: string;
  /** While true, any connection that asks for the event stream is dropped (a proxy that strips SSE). */
  blockStream: boolean;
  /** Send new connections to another server (one restarted on another port). */
  retarget(url: string): void;
  /** Destroy every open connection; refuse new ones for `refuseMs`. */
  cut(refuseMs?: number): void;
  cuts: number;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<CuttableProxy> {
  let { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let refuseUntil = 0;
  const server = net.createServer((socket) => {
    if (Date.now() < refuseUntil) return socket.destroy();
    const upstream = net.connect(Number(port), hostname);
    sockets.add(socket).add(upstream);
    const drop = (): void => {
      socket.destroy();
      upstream.destroy();
      sockets.delete(socket);
      sockets.delete(upstream);
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    socket.on('data', (chunk: Buffer) => {
      if (proxy.blockStream && chunk.includes('GET /ui/api/stream')) return drop();
      upstream.write(chunk);
    });
    upstream.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  const proxy: CuttableProxy = {
    url: `http://127.0.0.1:${address.port}`,
    blockStream: false,
    retarget: (url) => ({ hostname, port } = new URL(url)),
    cuts: 0,
    cut: (refuseMs = 0) => {
      proxy.cuts++;
      refuseUntil = Date.now() + refuseMs;
      for (const s of [...sockets]) s.destroy();
      sockets.clear();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

export { waitFor };
