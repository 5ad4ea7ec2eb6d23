import { randomUUID } from 'node:crypto';
import pRetry, { AbortError } from 'p-retry';
import { ActionError, errorMessage } from '../../core/errors.ts';
import type { ActionDefinition } from '../schema.ts';

export type HttpImplementation = Extract<ActionDefinition['implementation'], { type: 'http' }>;

const EXCERPT = 300;

/** `${env.NAME}` in a header value, read when the call is made so rotated secrets apply at once. */
export function substituteEnv(action: string, value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const found = env[name];
    if (found === undefined) throw new ActionError(action, `environment variable ${name} is not set (used in a header)`);
    return found;
  });
}

/** Marks a failure worth another attempt: the network, 429 and 5xx. */
class Retryable extends Error {}

/**
 * Calls a webhook. Each attempt has its own timeout; a timeout is final rather than retried, because
 * timeoutMs is the caller's latency budget. One idempotency key covers every attempt so a webhook
 * can drop the duplicate of a request whose answer was lost.
 */
export async function callHttpAction(
  action: string,
  impl: HttpImplementation,
  args: Record<string, unknown>,
  ctx: { sessionId: string; signal?: AbortSignal },
): Promise<unknown> {
  const headers: Record<string, string> = {
    accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
    'idempotency-key': randomUUID(),
    'x-agentproof-session': ctx.sessionId,
  };
  for (const [name, value] of Object.entries(impl.headers)) headers[name.toLowerCase()] = substituteEnv(action, value);

  let url = impl.url;
  let body: string | undefined;
  if (impl.method === 'GET') {
    const u = new URL(impl.url);
    for (const [k, v] of Object.entries(args)) u.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    url = u.toString();
  } else {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(args);
  }

  const attempt = async (): Promise<unknown> => {
    const signals = [AbortSignal.timeout(impl.timeoutMs), ...(ctx.signal ? [ctx.signal] : [])];
    let response: Response;
    try {
      response = await fetch(url, { method: impl.method, headers, body, signal: AbortSignal.any(signals) });
    } catch (err) {
      if (ctx.signal?.aborted) throw new AbortError(new ActionError(action, 'cancelled', { cause: err }));
      if (err instanceof DOMException && err.name === 'TimeoutError') {
        throw new AbortError(new ActionError(action, `timed out after ${impl.timeoutMs} ms (${impl.method} ${impl.url})`, { cause: err }));
      }
      throw new Retryable(`${impl.method} ${impl.url} failed: ${networkReason(err)}`, { cause: err });
    }
    const text = await response.text();
    if (response.ok) return parseBody(text);
    const excerpt = text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
    const message = `${impl.method} ${impl.url} answered ${response.status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''}`;
    if (response.status === 429 || response.status >= 500) throw new Retryable(message);
    throw new AbortError(new ActionError(action, message));
  };

  try {
    return await pRetry(attempt, {
      retries: impl.retries,
      minTimeout: 250,
      factor: 2,
      maxTimeout: 5_000,
      randomize: true,
      signal: ctx.signal,
      shouldRetry: ({ error }) => error instanceof Retryable,
    });
  } catch (err) {
    if (err instanceof ActionError) throw err;
    if (ctx.signal?.aborted) throw new ActionError(action, 'cancelled', { cause: err });
    const tries = impl.retries + 1;
    throw new ActionError(action, `${errorMessage(err)} (after ${tries} attempt${tries === 1 ? '' : 's'})`, { cause: err });
  }
}

function parseBody(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** fetch hides the useful part ("ECONNREFUSED") in the cause. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? errorMessage(err);
}
