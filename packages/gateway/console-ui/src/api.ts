// The admin API as the page calls it: same origin, JSON, the session's CSRF token on POSTs.
let csrf: string | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}

/** The route is not in this gateway (a feature it was built without). */
export class NotAvailable extends Error {}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function answer<T>(res: Response, path: string): Promise<T> {
  if (res.status === 404) throw new NotAvailable(path);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  if (!res.ok) throw new ApiError(res.status, (body as { error?: string }).error ?? `${res.status} from ${path}`);
  return body as T;
}

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }), path);
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (csrf) headers['x-cairn-csrf'] = csrf;
  return answer<T>(await fetch(path, { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(body) }), path);
}
