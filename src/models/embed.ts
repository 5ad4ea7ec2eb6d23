import { embedMany, type EmbeddingModel } from 'ai';
import { modelRef } from '../agent/schema.ts';
import { InputError, ProviderError } from '../core/errors.ts';
import type { Embedder } from '../knowledge/contracts.ts';
import { normalizeVector } from './normalize.ts';
import { costOf, type PriceTable } from './pricing.ts';
import { azureEmbeddingModel } from './providers/azure.ts';
import { openaiCompatibleEmbeddingModel } from './providers/openai-compatible.ts';
import { openaiEmbeddingModel } from './providers/openai.ts';
import { withRetries, type RetryOptions } from './retry.ts';
import { countTokens } from './tokens.ts';

/**
 * Embedding models for the vector index, through the AI SDK's embedMany. The local provider has no
 * embedding model and Anthropic offers none, so only the OpenAI-style providers resolve.
 */

export interface EmbedderOptions extends Omit<RetryOptions, 'abortSignal'> {
  /** Requests in flight at once when the SDK splits a large batch (OpenAI takes 2048 texts per request). Default 2. */
  maxParallelCalls?: number;
  /** Defaults to the process price table (defaults + AGENTPROOF_PRICES). */
  prices?: PriceTable;
}

const embeddingProviders: Record<string, (name: string, env: NodeJS.ProcessEnv) => EmbeddingModel> = {
  openai: openaiEmbeddingModel,
  azure: azureEmbeddingModel,
  'openai-compatible': openaiCompatibleEmbeddingModel,
};

/**
 * An Embedder for `openai/…`, `azure/…` or `openai-compatible/…`. Throws InputError for a
 * malformed ref, a provider that has no embedding models, or a missing provider setting (naming
 * the environment variable), so a bad configuration fails when the agent loads.
 */
export function resolveEmbedder(ref: string, env: NodeJS.ProcessEnv = process.env, options: EmbedderOptions = {}): Embedder {
  const parsed = modelRef.safeParse(ref);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'malformed model reference';
    throw new InputError(`invalid embedding model "${ref}": ${message}`, [{ path: 'models.embed', message }]);
  }
  const slash = ref.indexOf('/');
  const provider = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const create = embeddingProviders[provider];
  if (!create) {
    const offered = Object.keys(embeddingProviders).map((p) => `${p}/…`).join(', ');
    throw new InputError(`embedding is not offered by the ${provider} provider (model ${ref}): use ${offered}`, [
      { path: 'models.embed', message: `the ${provider} provider has no embedding models` },
    ]);
  }
  const model = create(name, env);

  return {
    ref,
    async embed(texts, opts = {}) {
      if (texts.length === 0) return { vectors: [], tokens: 0, costUsd: 0 };
      const { value: result } = await withRetries(ref, { ...options, abortSignal: opts.signal }, (signal) =>
        embedMany({ model, values: texts, maxRetries: 0, abortSignal: signal, maxParallelCalls: options.maxParallelCalls ?? 2 }),
      );
      const vectors = checkedVectors(ref, texts.length, result.embeddings);
      // embedMany sums the usage of its requests, NaN when a server reports none.
      const reported = result.usage.tokens;
      const tokens = Number.isFinite(reported) ? reported : texts.reduce((n, t) => n + countTokens(t), 0);
      return { vectors, tokens, costUsd: costOf(ref, { inputTokens: tokens, outputTokens: 0 }, options.prices).costUsd };
    },
  };
}

/** A server returning too few vectors, ragged dimensions or zero vectors would corrupt the index silently. */
function checkedVectors(ref: string, expected: number, embeddings: number[][]): number[][] {
  if (embeddings.length !== expected) throw new ProviderError(ref, `returned ${embeddings.length} embeddings for ${expected} texts`);
  const dims = embeddings[0].length;
  return embeddings.map((vector, i) => {
    if (vector.length !== dims) throw new ProviderError(ref, `returned embeddings of different sizes: ${dims} for text 0, ${vector.length} for text ${i}`);
    try {
      return normalizeVector(vector);
    } catch (err) {
      throw new ProviderError(ref, `returned an unusable embedding for text ${i}: ${(err as Error).message}`);
    }
  });
}
