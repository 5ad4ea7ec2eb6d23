import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModel } from 'ai';
import { checkUrl, optionalEnv, requireEnv } from './env.ts';

export const OPENAI_ENV = ['OPENAI_API_KEY', 'OPENAI_BASE_URL'] as const;

/**
 * `openai/<model>`. Uses the chat-completions API rather than the SDK's default Responses API,
 * so the same code path serves OpenAI, proxies set through OPENAI_BASE_URL, and the test server.
 */
export function openaiModel(name: string, env: NodeJS.ProcessEnv): LanguageModel {
  const ref = `openai/${name}`;
  const provider = createOpenAI({
    apiKey: requireEnv(env, 'OPENAI_API_KEY', ref, 'the OpenAI API key'),
    baseURL: checkUrl('OPENAI_BASE_URL', optionalEnv(env, 'OPENAI_BASE_URL'), ref),
  });
  return provider.chat(name);
}
