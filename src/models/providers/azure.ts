import { createAzure } from '@ai-sdk/azure';
import type { LanguageModel } from 'ai';
import { InputError } from '../../core/errors.ts';
import { checkUrl, optionalEnv, requireEnv } from './env.ts';

export const AZURE_ENV = ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_RESOURCE_NAME', 'AZURE_OPENAI_BASE_URL', 'AZURE_OPENAI_API_VERSION'] as const;

/**
 * `azure/<deployment>`: the model name is the Azure deployment name. Without an API version the
 * v1 API is used (`/openai/v1/chat/completions`); a dated version such as `2024-10-21` only
 * exists on the older per-deployment URLs, so setting one switches to those.
 */
export function azureModel(name: string, env: NodeJS.ProcessEnv): LanguageModel {
  const ref = `azure/${name}`;
  const apiKey = requireEnv(env, 'AZURE_OPENAI_API_KEY', ref, 'the Azure OpenAI API key');
  const baseURL = checkUrl('AZURE_OPENAI_BASE_URL', optionalEnv(env, 'AZURE_OPENAI_BASE_URL'), ref);
  const resourceName = optionalEnv(env, 'AZURE_OPENAI_RESOURCE_NAME');
  if (!baseURL && !resourceName) {
    throw new InputError(`AZURE_OPENAI_RESOURCE_NAME or AZURE_OPENAI_BASE_URL must be set: model ${ref} needs to know which Azure resource to call`, [
      { path: 'AZURE_OPENAI_RESOURCE_NAME', message: `set AZURE_OPENAI_RESOURCE_NAME (or AZURE_OPENAI_BASE_URL) to use ${ref}` },
    ]);
  }
  const apiVersion = optionalEnv(env, 'AZURE_OPENAI_API_VERSION');
  const provider = createAzure({
    apiKey,
    ...(baseURL ? { baseURL } : { resourceName }),
    ...(apiVersion ? { apiVersion, useDeploymentBasedUrls: /^\d{4}-\d{2}-\d{2}/.test(apiVersion) } : {}),
  });
  return provider.chat(name);
}
