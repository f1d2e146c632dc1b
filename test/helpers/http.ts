import { readFileSync } from 'node:fs';
import { waitFor } from '../../src/async.js';

export interface Response<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** A tiny client for the REST API over a real socket. */
export function client(baseUrl: string) {
  async function request<T>(method: string, path: string, body?: string, contentType?: string): Promise<Response<T>> {
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    const res = await fetch(baseUrl + path, { method, body, headers });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }
  const api = {
    request,
    get: <T = any>(path: string) => request<T>('GET', path),
    put: <T = any>(path: string) => request<T>('PUT', path),
    postYaml: <T = any>(yaml: string, path = '/jobs') => request<T>('POST', path, yaml, 'text/yaml'),
    postJson: <T = any>(value: unknown, path = '/jobs') => request<T>('POST', path, JSON.stringify(value), 'application/json'),
    /** Submit a job file from examples/ or anywhere. */
    submitFile: async (file: string) => {
      const res = await api.postYaml<{ id: string }>(readFileSync(file, 'utf8'));
      if (res.status !== 200) throw new Error(`submit ${file}: ${res.status} ${res.text}`);
      return res.body.id;
    },
    /** Wait until the job is in one of `states`, and return it. */
    waitForJob: async (id: string, states: string[] = ['COMPLETED', 'FAILED', 'CANCELLED'], timeoutMs = 20_000) => {
      let last: any;
      try {
        return await waitFor(
          async () => {
            last = (await api.get(`/jobs/${id}`)).body;
            return states.includes(last?.state) ? last : undefined;
          },
          { timeoutMs, message: `job ${id} to reach ${states.join('/')}` },
        );
      } catch (err) {
        // The state seen last, known only now (a message built before the wait would not have it).
        throw new Error(`${(err as Error).message} (last: ${JSON.stringify(last?.state)})`, { cause: err });
      }
    },
  };
  return api;
}
