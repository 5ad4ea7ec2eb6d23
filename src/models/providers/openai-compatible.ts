import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { checkUrl, optionalEnv, requireEnv } from './env.ts';

export const OPENAI_COMPATIBLE_ENV = ['OPENAI_COMPATIBLE_BASE_URL', 'OPENAI_COMPATIBLE_API_KEY'] as const;

/**
 * `openai-compatible/<model>`: any server with an OpenAI-style `/chat/completions` (vLLM, Ollama,
 * llama.cpp, LM Studio, gateways). Local servers often need no key, so the key is optional.
 */
export function openaiCompatibleModel(name: string, env: NodeJS.ProcessEnv): LanguageModel {
  const ref = `openai-compatible/${name}`;
  const baseURL = requireEnv(env, 'OPENAI_COMPATIBLE_BASE_URL', ref, 'the server base URL (e.g. http://localhost:11434/v1)');
  const provider = createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: checkUrl('OPENAI_COMPATIBLE_BASE_URL', baseURL, ref),
    apiKey: optionalEnv(env, 'OPENAI_COMPATIBLE_API_KEY'),
    // Without this, streamed calls come back with no token counts from most servers.
    includeUsage: true,
  });
  return provider.chatModel(name);
}
