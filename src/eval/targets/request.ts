/**
 * One JSON request to an external agent, with the retries every model call gets: connection
 * failures, 408, 409, 429 and 5xx are retried with backoff (a Retry-After wins), anything else
 * fails at once. A failure is thrown naming the method and URL, so the case's error says which
 * endpoint did what.
 *
 * Requests go through undici's request API on a shared keep-alive pool rather than fetch: a
 * suite run makes hundreds of calls a second, and fetch's WHATWG streams cost about three times
 * the CPU per call (bench/eval), which at high concurrency is time the runner's one thread lacks.
 */
import { APICallError } from 'ai';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { ProviderError, errorMessage } from '../../core/errors.ts';
import { withRetries } from '../../models/retry.ts';
import type { CaseOutput } from '../contracts.ts';

export interface JsonRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface RequestLimits {
  timeoutMs: number;
  retries: number;
  signal?: AbortSignal;
}

/** The parsed JSON reply of a 2xx answer. */
export async function requestJson(req: JsonRequest, limits: RequestLimits): Promise<unknown> {
  const where = `${req.method} ${req.url}`;
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers = { accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...lowerKeys(req.headers) };
  const { value: text } = await withRetries(
    where,
    { timeoutMs: limits.timeoutMs, maxRetries: limits.retries, abortSignal: limits.signal },
    async (signal) => {
      let res: Dispatcher.ResponseData;
      let body: string;
      try {
        res = await request(req.url, { method: req.method as Dispatcher.HttpMethod, headers, body: payload, signal, dispatcher: pool() });
        body = await res.body.text();
      } catch (err) {
        if (signal.aborted) throw err;
        // The cause (ECONNREFUSED, ENOTFOUND, a reset) is what a person needs, not a wrapper's words.
        const cause = (err as { cause?: unknown }).cause ?? err;
        throw new APICallError({ message: errorMessage(cause), url: req.url, requestBodyValues: req.body, cause, isRetryable: true });
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        throw new APICallError({
          message: body.trim().slice(0, 300) || `HTTP ${res.statusCode}`,
          url: req.url,
          requestBodyValues: req.body,
          statusCode: res.statusCode,
          responseHeaders: flatHeaders(res.headers),
          responseBody: body,
        });
      }
      return body;
    },
  );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const shown = text.trim() ? `: ${text.trim().slice(0, 200)}` : ' (it is empty)';
    throw new ProviderError(where, `the reply is not JSON${shown}`);
  }
}

let shared: Dispatcher | null = null;

/** One pool for the process, so connections are reused across cases; redirects are followed as fetch would. */
function pool(): Dispatcher {
  shared ??= new Agent({ keepAliveTimeout: 10_000 }).compose(interceptors.redirect({ maxRedirections: 5 }));
  return shared;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Header names are case-insensitive; lowercase keys let the suite's headers replace the defaults. */
function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The output of a case that could not be run through: no reply, and why. */
export function errorOutput(error: string, latencyMs: number): CaseOutput {
  return {
    status: 'error',
    reply: null,
    topic: null,
    actions: [],
    sources: [],
    context: [],
    retrieved: [],
    latencyMs: roundMs(latencyMs),
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    traceIds: [],
    stages: null,
    error,
  };
}

export const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;
