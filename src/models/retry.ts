import { APICallError, RetryError } from 'ai';
import { ProviderError, errorMessage } from '../core/errors.ts';

/**
 * Retries for every call to a model provider (chat, embeddings, reranking). Retries are ours rather
 * than the SDK's (which does honour Retry-After) so the first backoff is configurable, the attempt
 * count is known on success too, and a caller can forbid a retry once its effects are visible (the
 * streaming path after text was shown). Failures become a ProviderError naming the model.
 */

export interface RetryOptions {
  /** Bounds the whole call, retries and backoff included. Default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 408/409/429/5xx and connection failures. Default 2. */
  maxRetries?: number;
  /** First backoff, doubled per retry; a Retry-After header from the provider takes precedence. Default 1 s. */
  retryDelayMs?: number;
  /** Cancels the call; the signal's reason is thrown as is (a cancel is not a provider failure). */
  abortSignal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_DELAY_MS = 1_000;
// Longer Retry-After values are treated as "not soon": we back off normally and let the timeout decide.
const MAX_RETRY_AFTER_MS = 60_000;

/** Thrown inside an attempt for an error of the caller's own (a callback that threw): rethrown as its cause, never retried. */
export class CallerError {
  readonly cause: unknown;
  constructor(cause: unknown) {
    this.cause = cause;
  }
}

/**
 * Runs attempt until it succeeds, a failure is not retryable, the retries are spent, or the time is
 * up. attempt gets the signal to pass to the provider (cancel and timeout combined). An attempt
 * that throws a ProviderError ends the call with it unchanged; canRetry, asked after each
 * retryable failure, can refuse a retry.
 */
export async function withRetries<T>(
  ref: string,
  options: RetryOptions,
  attempt: (signal: AbortSignal, attempt: number) => Promise<T>,
  canRetry: () => boolean = () => true,
): Promise<{ value: T; attempts: number }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  // Not AbortSignal.timeout: its timer and signal outlive the call by the whole timeout (a minute
  // by default), which a run of thousands of calls holds in memory by the thousand.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const timeout = deadline.signal;
  const signal = options.abortSignal ? AbortSignal.any([options.abortSignal, timeout]) : timeout;
  const stopped = (n: number, lastFailure: string, err: unknown): unknown => {
    if (options.abortSignal?.aborted) return options.abortSignal.reason;
    if (!timeout.aborted) return undefined;
    const last = lastFailure ? `; last failure: ${lastFailure}` : '';
    return new ProviderError(ref, `timed out after ${timeoutMs} ms (${plural(n, 'attempt')}${last})`, { cause: err });
  };

  let lastFailure = '';
  try {
    for (let n = 1; ; n++) {
      try {
        return { value: await attempt(signal, n), attempts: n };
      } catch (err) {
        if (err instanceof CallerError) throw err.cause;
        const outcome = stopped(n, lastFailure, err);
        if (outcome) throw outcome;
        if (err instanceof ProviderError) throw err;
        const failure = describeFailure(err);
        lastFailure = failure.summary;
        if (!failure.retryable || n > maxRetries || !canRetry()) {
          throw new ProviderError(ref, `${failure.label} after ${plural(n, 'attempt')}: ${failure.detail}`, { cause: err });
        }
        try {
          await sleep(retryDelay(err, n, options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS), signal);
        } catch (sleepErr) {
          throw stopped(n, lastFailure, sleepErr) ?? sleepErr;
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

interface Failure {
  /** `HTTP 429`, `connection failed`, or the error's kind. */
  label: string;
  detail: string;
  summary: string;
  retryable: boolean;
}

function describeFailure(err: unknown): Failure {
  const error = RetryError.isInstance(err) ? err.lastError : err;
  if (APICallError.isInstance(error)) {
    const detail = providerMessage(error);
    const label = error.statusCode !== undefined ? `HTTP ${error.statusCode}` : 'connection failed';
    return { label, detail, summary: `${label}: ${detail}`, retryable: error.isRetryable };
  }
  const detail = errorMessage(error);
  const label = error instanceof Error && error.name !== 'Error' ? error.name : 'failed';
  return { label, detail, summary: `${label}: ${detail}`, retryable: false };
}

function providerMessage(error: APICallError): string {
  const cause = error.cause instanceof Error ? errorMessage(error.cause.cause ?? error.cause) : '';
  const message = error.message || error.responseBody?.slice(0, 300) || 'no message';
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}

function retryDelay(err: unknown, attempt: number, baseMs: number): number {
  const error = RetryError.isInstance(err) ? err.lastError : err;
  const headers = APICallError.isInstance(error) ? error.responseHeaders : undefined;
  const fromHeader = headers ? retryAfterMs(headers) : undefined;
  if (fromHeader !== undefined && fromHeader <= MAX_RETRY_AFTER_MS) return fromHeader;
  // Jitter keeps many workers that hit the same 429 from retrying in lockstep.
  return baseMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
}

function retryAfterMs(headers: Record<string, string>): number | undefined {
  const ms = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
