import { Agent, request as httpRequest } from 'node:http';

/** A small HTTP client on keep-alive connections, and a closed-loop load generator on it. */

export interface Response {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly base: URL;

  /** `connections`: sockets kept open to the server (one per concurrent request). */
  constructor(baseUrl: string, connections = 8) {
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  request(method: string, path: string, body?: string, contentType = 'application/json', timeoutMs = 600_000): Promise<Response> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body !== undefined) {
        headers['content-type'] = contentType;
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = httpRequest(
        { agent: this.agent, host: this.base.hostname, port: this.base.port, method, path, headers, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The parsed JSON body of a 200 answer; throws with the status and body otherwise. */
  async json<T>(method: string, path: string, body?: string): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  perSecond: number;
}

/**
 * Closed-loop load: `concurrency` loops each send `path` one request after another for
 * `durationMs` (bounded: the loops stop at the deadline). Any non-200 answer fails the run.
 */
export async function load(baseUrl: string, path: string, concurrency: number, durationMs: number): Promise<LoadResult> {
  const client = new HttpClient(baseUrl, concurrency);
  let requests = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const res = await client.request('GET', path);
          if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 300)}`);
          requests++;
        }
      }),
    );
  } finally {
    client.close();
  }
  const elapsedMs = performance.now() - start;
  return { requests, elapsedMs, perSecond: (requests * 1000) / elapsedMs };
}
