import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModel, LanguageModel } from 'ai';
import { checkUrl, optionalEnv, requireEnv } from './env.ts';

export const OPENAI_COMPATIBLE_ENV = ['OPENAI_COMPATIBLE_BASE_URL', 'OPENAI_COMPATIBLE_API_KEY'] as const;

/** Where the server is and its key. Local servers often need no key, so the key is optional. */
export function openaiCompatibleSettings(ref: string, env: NodeJS.ProcessEnv): { baseURL: string; apiKey: string | undefined } {
  const baseURL = requireEnv(env, 'OPENAI_COMPATIBLE_BASE_URL', ref, 'the server base URL (e.g. http://localhost:11434/v1)');
  return { baseURL: checkUrl('OPENAI_COMPATIBLE_BASE_URL', baseURL, ref), apiKey: optionalEnv(env, 'OPENAI_COMPATIBLE_API_KEY') };
}

function openaiCompatible(ref: string, env: NodeJS.ProcessEnv) {
  return createOpenAICompatible({
    name: 'openai-compatible',
    ...openaiCompatibleSettings(ref, env),
    // Without this, streamed calls come back with no token counts from most servers.
    includeUsage: true,
  });
}

/**
 * `openai-compatible/<model>`: any server with an OpenAI-style `/chat/completions` (vLLM, Ollama,
 * llama.cpp, LM Studio, gateways).
 */
export function openaiCompatibleModel(name: string, env: NodeJS.ProcessEnv): LanguageModel {
  return openaiCompatible(`openai-compatible/${name}`, env).chatModel(name);
}

/** `openai-compatible/<model>` as an embedding model (`/embeddings`, which vLLM, Ollama, llama.cpp and TEI serve). */
export function openaiCompatibleEmbeddingModel(name: string, env: NodeJS.ProcessEnv): EmbeddingModel {
  return openaiCompatible(`openai-compatible/${name}`, env).embeddingModel(name);
}
