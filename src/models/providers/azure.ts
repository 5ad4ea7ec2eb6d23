import { createAzure, type AzureOpenAIProvider } from '@ai-sdk/azure';
import type { EmbeddingModel, LanguageModel } from 'ai';
import { InputError } from '../../core/errors.ts';
import { checkUrl, optionalEnv, requireEnv } from './env.ts';

export const AZURE_ENV = ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_RESOURCE_NAME', 'AZURE_OPENAI_BASE_URL', 'AZURE_OPENAI_API_VERSION'] as const;

/**
 * Without an API version the v1 API is used (`/openai/v1/chat/completions`); a dated version such
 * as `2024-10-21` only exists on the older per-deployment URLs, so setting one switches to those.
 */
function azure(ref: string, env: NodeJS.ProcessEnv): AzureOpenAIProvider {
  const apiKey = requireEnv(env, 'AZURE_OPENAI_API_KEY', ref, 'the Azure OpenAI API key');
  const baseURL = checkUrl('AZURE_OPENAI_BASE_URL', optionalEnv(env, 'AZURE_OPENAI_BASE_URL'), ref);
  const resourceName = optionalEnv(env, 'AZURE_OPENAI_RESOURCE_NAME');
  if (!baseURL && !resourceName) {
    throw new InputError(`AZURE_OPENAI_RESOURCE_NAME or AZURE_OPENAI_BASE_URL must be set: model ${ref} needs to know which Azure resource to call`, [
      { path: 'AZURE_OPENAI_RESOURCE_NAME', message: `set AZURE_OPENAI_RESOURCE_NAME (or AZURE_OPENAI_BASE_URL) to use ${ref}` },
    ]);
  }
  const apiVersion = optionalEnv(env, 'AZURE_OPENAI_API_VERSION');
  return createAzure({
    apiKey,
    ...(baseURL ? { baseURL } : { resourceName }),
    ...(apiVersion ? { apiVersion, useDeploymentBasedUrls: /^\d{4}-\d{2}-\d{2}/.test(apiVersion) } : {}),
  });
}

/** `azure/<deployment>`: the model name is the Azure deployment name. */
export function azureModel(name: string, env: NodeJS.ProcessEnv): LanguageModel {
  return azure(`azure/${name}`, env).chat(name);
}

/** `azure/<deployment>` of an embedding model. */
export function azureEmbeddingModel(name: string, env: NodeJS.ProcessEnv): EmbeddingModel {
  return azure(`azure/${name}`, env).embeddingModel(name);
}
