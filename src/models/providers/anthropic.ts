import { createAnthropic } from '@ai-sdk/anthropic';
import type { LanguageModel } from 'ai';
import { checkUrl, optionalEnv, requireEnv } from './env.ts';

export const ANTHROPIC_ENV = ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'] as const;

/** `anthropic/<model>` through the Messages API. */
export function anthropicModel(name: string, env: NodeJS.ProcessEnv): LanguageModel {
  const ref = `anthropic/${name}`;
  const provider = createAnthropic({
    apiKey: requireEnv(env, 'ANTHROPIC_API_KEY', ref, 'the Anthropic API key'),
    baseURL: checkUrl('ANTHROPIC_BASE_URL', optionalEnv(env, 'ANTHROPIC_BASE_URL'), ref),
  });
  return provider(name);
}
