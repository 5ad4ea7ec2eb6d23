import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import type { EmbeddingModel, LanguageModel } from 'ai';
import { checkUrl, optionalEnv, requireEnv } from './env.ts';

export const OPENAI_ENV = ['OPENAI_API_KEY', 'OPENAI_BASE_URL'] as const;

function openai(ref: string, env: NodeJS.ProcessEnv): OpenAIProvider {
  return createOpenAI({
    apiKey: requireEnv(env, 'OPENAI_API_KEY', ref, 'the OpenAI API key'),
    baseURL: checkUrl('OPENAI_BASE_URL', optionalEnv(env, 'OPENAI_BASE_URL'), ref),
  });
}

/**
 * `openai/<model>`. Uses the chat-completions API rather than the SDK's default Responses API,
 * so the same code path serves OpenAI, proxies set through OPENAI_BASE_URL, and the test server.
 */
export function openaiModel(name: string, env: NodeJS.ProcessEnv): LanguageModel {
  return openai(`openai/${name}`, env).chat(name);
}

/** `openai/<model>` as an embedding model (`/embeddings`). */
export function openaiEmbeddingModel(name: string, env: NodeJS.ProcessEnv): EmbeddingModel {
  return openai(`openai/${name}`, env).embeddingModel(name);
}
