/**
 * Requests to this server only (same origin). Reads go to `/ui/api/*` or Tork's API; every
 * mutation goes to Tork's API, with a custom header a cross-site form cannot send (CSRF).
 * A 401 leads to the login page, never to the browser's own prompt.
 */
import { navigate, BASE } from './router.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Sent with every mutation; the server's auth middleware can require it for cookie sessions. */
export const CSRF_HEADER = { 'x-requested-with': 'drover-ui' };

const etags = new Map<string, { etag: string; data: unknown }>();

/** Go to the login page, coming back here after it. */
export function toLogin(): void {
  const here = window.location.pathname.slice(BASE.length) + window.location.search;
  if (!here.startsWith('/login'))
    navigate(`/login?next=${encodeURIComponent(here || '/')}`, { replace: true });
}

async function failure(res: Response): Promise<ApiError> {
  if (res.status === 401) toLogin();
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { message?: string };
    if (body?.message) message = body.message;
  } catch {
    /* not JSON */
  }
  return new ApiError(message, res.status);
}

/**
 * GET JSON. With `revalidate`, the last answer for this URL is kept with its ETag and a 304
 * returns it again (the polling fallback costs almost nothing while nothing changes).
 */
export async function getJson<T>(
  url: string,
  options: { signal?: AbortSignal; revalidate?: boolean } = {},
): Promise<T> {
  const cached = options.revalidate ? etags.get(url) : undefined;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (cached) headers['if-none-match'] = cached.etag;
  const res = await fetch(url, { headers, signal: options.signal, credentials: 'same-origin' });
  if (res.status === 304 && cached) return cached.data as T;
  if (!res.ok) throw await failure(res);
  const data = (await res.json()) as T;
  const etag = res.headers.get('etag');
  if (options.revalidate && etag) etags.set(url, { etag, data });
  return data;
}

/** A mutation through Tork's API. Returns the parsed JSON body, or undefined when empty. */
export async function send<T = unknown>(
  method: string,
  url: string,
  body?: string,
  contentType?: string,
): Promise<T> {
  const headers: Record<string, string> = { ...CSRF_HEADER };
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(url, { method, body, headers, credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const enc = encodeURIComponent;
