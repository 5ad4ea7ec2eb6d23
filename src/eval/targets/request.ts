/**
 * One JSON request to an external agent, with the retries every model call gets: connection
 * failures, 408, 409, 429 and 5xx are retried with backoff (a Retry-After wins), anything else
 * fails at once. A failure is thrown naming the method and URL, so the case's error says which
 * endpoint did what.
 */
import { APICallError } from 'ai';
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
      let res: Response;
      try {
        res = await fetch(req.url, { method: req.method, headers, body: payload, signal });
      } catch (err) {
        if (signal.aborted) throw err;
        // fetch says only "fetch failed"; the cause (ECONNREFUSED, ENOTFOUND...) is what a person needs.
        const cause = (err as { cause?: unknown }).cause ?? err;
        throw new APICallError({ message: errorMessage(cause), url: req.url, requestBodyValues: req.body, cause, isRetryable: true });
      }
      const body = await res.text();
      if (!res.ok) {
        throw new APICallError({
          message: body.trim().slice(0, 300) || res.statusText || 'no body',
          url: req.url,
          requestBodyValues: req.body,
          statusCode: res.status,
          responseHeaders: Object.fromEntries(res.headers),
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
