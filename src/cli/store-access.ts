import { AgentproofError, StoreLockedError, errorMessage, type ErrorIssue } from '../core/errors.ts';
import type { Db } from '../store/db.ts';
import { readStoreOwner } from '../store/lock.ts';
import { openStore, storeOptionsFromCli } from '../store/open.ts';

/**
 * How a command reaches the store. It opens the store itself when it can; when the embedded store
 * is held by a running `agentproof serve`, it asks that server over HTTP instead, so `traces` and
 * `chat` keep working next to a server rather than failing on the lock.
 */
export interface StoreAccess<T> {
  local: (db: Db) => Promise<T>;
  /** `baseUrl` is the running server's root (no trailing slash); use serverRequest() to call it. */
  remote: (baseUrl: string) => Promise<T>;
}

export async function withStoreOrServer<T>(opts: { data?: string; command: string }, access: StoreAccess<T>): Promise<T> {
  const storeOpts = storeOptionsFromCli(opts);
  let db: Db;
  try {
    db = await openStore({ ...storeOpts, command: opts.command });
  } catch (err) {
    if (!(err instanceof StoreLockedError)) throw err;
    const owner = await readStoreOwner(storeOpts.dataDir);
    if (!owner?.url) throw err;
    return access.remote(owner.url.replace(/\/+$/, ''));
  }
  try {
    return await access.local(db);
  } finally {
    await db.close();
  }
}

/**
 * One JSON request to an agentproof server, with the API key from AGENTPROOF_API_KEY. The server's
 * error body (`{ error: { code, message, issues } }`) comes back as the same AgentproofError, so a
 * command reports a remote failure exactly like a local one.
 */
export async function serverRequest<T>(baseUrl: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (process.env.AGENTPROOF_API_KEY) headers.authorization = `Bearer ${process.env.AGENTPROOF_API_KEY}`;
  // A FormData body is sent as multipart/form-data (fetch sets the boundary); anything else as JSON.
  const form = init.body instanceof FormData;
  if (init.body !== undefined && !form) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : form ? (init.body as FormData) : JSON.stringify(init.body),
    });
  } catch (err) {
    throw new AgentproofError(
      'server_unreachable',
      503,
      `the store is in use by the agentproof server at ${baseUrl}, which did not answer (${errorMessage((err as Error).cause ?? err)})`,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new AgentproofError('bad_response', 502, `${init.method ?? 'GET'} ${baseUrl}${path} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string; issues?: ErrorIssue[] } } | null)?.error;
    throw new AgentproofError(
      error?.code ?? 'server_error',
      res.status,
      error?.message ?? `${init.method ?? 'GET'} ${baseUrl}${path} answered ${res.status}`,
      error?.issues ?? [],
    );
  }
  return body as T;
}
