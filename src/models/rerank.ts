import { APICallError } from 'ai';
import { z } from 'zod';
import { modelRef } from '../agent/schema.ts';
import { InputError, ProviderError, errorMessage } from '../core/errors.ts';
import { costOf, type PriceTable } from './pricing.ts';
import { openaiCompatibleSettings } from './providers/openai-compatible.ts';
import { withRetries, type RetryOptions } from './retry.ts';
import { countTokens } from './tokens.ts';

/**
 * Reranking models. The AI SDK has a `rerank` function, but none of our providers offers a
 * reranking model through it (OpenAI and Azure OpenAI have none), so this speaks the `/rerank`
 * protocol that self-hosted and hosted rerankers share — vLLM, llama.cpp, Infinity, Jina, Cohere v2:
 *
 *   POST {OPENAI_COMPATIBLE_BASE_URL}/rerank  { model, query, documents, top_n }
 *   → { results: [{ index, relevance_score }], usage?: { total_tokens } }
 *
 * with the openai-compatible provider's base URL and key (as a Bearer token).
 */

export interface RerankResult {
  /** Best first; `index` points into the documents given. With topN, only the best topN. */
  results: { index: number; score: number }[];
  /** As reported by the server, else estimated (query and document per pair, o200k). */
  tokens: number;
  costUsd: number;
}

export interface Reranker {
  /** `provider/model`. */
  ref: string;
  rerank(query: string, documents: string[], opts?: { topN?: number; signal?: AbortSignal }): Promise<RerankResult>;
}

export interface RerankerOptions extends Omit<RetryOptions, 'abortSignal'> {
  /** Defaults to the process price table (defaults + AGENTPROOF_PRICES). */
  prices?: PriceTable;
}

const responseSchema = z.object({
  results: z.array(z.object({ index: z.number().int().nonnegative(), relevance_score: z.number() })),
  usage: z.object({ total_tokens: z.number().nonnegative().optional() }).nullish(),
});

/**
 * A Reranker for `openai-compatible/<model>`. Throws InputError for a malformed ref, another
 * provider, or a missing setting (naming the environment variable).
 */
export function resolveReranker(ref: string, env: NodeJS.ProcessEnv = process.env, options: RerankerOptions = {}): Reranker {
  const parsed = modelRef.safeParse(ref);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'malformed model reference';
    throw new InputError(`invalid reranking model "${ref}": ${message}`, [{ path: 'models.rerank', message }]);
  }
  const slash = ref.indexOf('/');
  const provider = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  if (provider !== 'openai-compatible') {
    throw new InputError(`reranking is not offered by the ${provider} provider (model ${ref}): use openai-compatible/<model> with a server that has a /rerank endpoint`, [
      { path: 'models.rerank', message: `the ${provider} provider has no reranking models` },
    ]);
  }
  const { baseURL, apiKey } = openaiCompatibleSettings(ref, env);
  const url = `${baseURL.replace(/\/+$/, '')}/rerank`;

  return {
    ref,
    async rerank(query, documents, opts = {}) {
      const topN = opts.topN;
      if (topN !== undefined && !(Number.isInteger(topN) && topN >= 1)) {
        throw new InputError(`topN must be a whole number ≥ 1, got ${topN}`, [{ path: 'topN', message: 'expected ≥ 1' }]);
      }
      if (documents.length === 0) return { results: [], tokens: 0, costUsd: 0 };
      const body = { model: name, query, documents, ...(topN !== undefined ? { top_n: topN } : {}) };
      const { value } = await withRetries(ref, { ...options, abortSignal: opts.signal }, (signal) => post(ref, url, apiKey, body, signal));
      const results = checkedResults(ref, value, documents.length, topN);
      const reported = value.usage?.total_tokens;
      const queryTokens = countTokens(query);
      const tokens = reported ?? documents.reduce((n, d) => n + queryTokens + countTokens(d), 0);
      return { results, tokens, costUsd: costOf(ref, { inputTokens: tokens, outputTokens: 0 }, options.prices).costUsd };
    },
  };
}

type RerankResponse = z.infer<typeof responseSchema>;

/**
 * One request. HTTP and connection failures are APICallErrors like the SDK's, so retry.ts treats
 * them the same way; a malformed answer is a ProviderError, which is not retried.
 */
async function post(ref: string, url: string, apiKey: string | undefined, body: Record<string, unknown>, signal: AbortSignal): Promise<RerankResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new APICallError({ message: `cannot reach ${url}: ${errorMessage(err)}`, url, requestBodyValues: body, cause: err, isRetryable: true });
  }
  const text = await response.text();
  const headers = Object.fromEntries(response.headers.entries());
  if (!response.ok) {
    throw new APICallError({ message: errorText(text) ?? `${response.status} ${response.statusText}`, url, requestBodyValues: body, statusCode: response.status, responseHeaders: headers, responseBody: text });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProviderError(ref, `rerank response is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const parsed = responseSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError(ref, `rerank response is malformed (${issue.path.join('.') || 'body'}: ${issue.message})`);
  }
  return parsed.data;
}

/** The message of an error body in the shapes servers use: `{error: {message}}`, `{error}`, `{message}`, `{detail}`. */
function errorText(text: string): string | undefined {
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    const error = data.error as { message?: unknown } | string | undefined;
    const message = typeof error === 'string' ? error : (error?.message ?? data.message ?? data.detail);
    if (typeof message === 'string' && message) return message;
  } catch {
    // not JSON: the text itself, below
  }
  return text.trim().slice(0, 300) || undefined;
}

/** Best first (ties by index); every index valid and named once. */
function checkedResults(ref: string, response: RerankResponse, count: number, topN: number | undefined): RerankResult['results'] {
  const seen = new Set<number>();
  for (const r of response.results) {
    if (r.index >= count) throw new ProviderError(ref, `rerank result names document ${r.index} of ${count}`);
    if (seen.has(r.index)) throw new ProviderError(ref, `rerank result names document ${r.index} twice`);
    seen.add(r.index);
  }
  const results = response.results.map((r) => ({ index: r.index, score: r.relevance_score })).sort((a, b) => b.score - a.score || a.index - b.index);
  return topN === undefined ? results : results.slice(0, topN);
}
