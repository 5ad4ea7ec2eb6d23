import type { LanguageModel } from 'ai';
import { modelRef } from '../agent/schema.ts';
import { InputError } from '../core/errors.ts';
import { ANTHROPIC_ENV, anthropicModel } from './providers/anthropic.ts';
import { AZURE_ENV, azureModel } from './providers/azure.ts';
import { OPENAI_COMPATIBLE_ENV, openaiCompatibleModel } from './providers/openai-compatible.ts';
import { OPENAI_ENV, openaiModel } from './providers/openai.ts';

/**
 * Turns a stage's `provider/model` reference into something callable. `local/*` models run in
 * process and are handled by src/models/local; every other provider becomes an AI SDK model.
 */

export type LlmProvider = 'openai' | 'azure' | 'anthropic' | 'openai-compatible';

export interface LocalHandle {
  kind: 'local';
  ref: string;
  name: string;
}

export interface LlmHandle {
  kind: 'llm';
  ref: string;
  provider: LlmProvider;
  name: string;
  model: LanguageModel;
}

export type ModelHandle = LocalHandle | LlmHandle;

const providers: Record<LlmProvider, { env: readonly string[]; create: (name: string, env: NodeJS.ProcessEnv) => LanguageModel }> = {
  openai: { env: OPENAI_ENV, create: openaiModel },
  azure: { env: AZURE_ENV, create: azureModel },
  anthropic: { env: ANTHROPIC_ENV, create: anthropicModel },
  'openai-compatible': { env: OPENAI_COMPATIBLE_ENV, create: openaiCompatibleModel },
};

// Keyed by the ref and the provider's env values, so a changed key or base URL gives a new client.
const cache = new Map<string, ModelHandle>();

/** Throws InputError for a malformed ref or a missing/invalid provider setting (naming the env var). */
export function resolveModel(ref: string, env: NodeJS.ProcessEnv = process.env): ModelHandle {
  const parsed = modelRef.safeParse(ref);
  if (!parsed.success) {
    throw new InputError(`invalid model "${ref}": ${parsed.error.issues[0]?.message ?? 'malformed'}`, [
      { path: 'model', message: parsed.error.issues[0]?.message ?? 'malformed model reference' },
    ]);
  }
  const slash = ref.indexOf('/');
  const providerName = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  if (providerName === 'local') return { kind: 'local', ref, name };

  const provider = providerName as LlmProvider;
  const { env: variables, create } = providers[provider];
  const key = JSON.stringify([ref, ...variables.map((v) => env[v] ?? null)]);
  const cached = cache.get(key);
  if (cached) return cached;
  const handle: LlmHandle = { kind: 'llm', ref, provider, name, model: create(name, env) };
  cache.set(key, handle);
  return handle;
}
