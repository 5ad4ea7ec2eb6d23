import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import { resolveModel, type LlmHandle } from '../../src/models/registry.ts';

function llm(ref: string, env: NodeJS.ProcessEnv): LlmHandle {
  const handle = resolveModel(ref, env);
  assert.equal(handle.kind, 'llm');
  return handle;
}

function sdkModel(handle: LlmHandle): { provider: string; modelId: string } {
  assert.equal(typeof handle.model, 'object');
  return handle.model as unknown as { provider: string; modelId: string };
}

function assertNamesVariable(fn: () => unknown, variable: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.match(err.message, new RegExp(variable));
    assert.equal(err.issues[0]?.path, variable);
    return true;
  });
}

describe('resolveModel', () => {
  test('resolves an openai model to the chat-completions API', () => {
    const handle = llm('openai/gpt-4o-mini', { OPENAI_API_KEY: 'sk-test' });
    assert.deepEqual([handle.provider, handle.name, handle.ref], ['openai', 'gpt-4o-mini', 'openai/gpt-4o-mini']);
    assert.equal(sdkModel(handle).provider, 'openai.chat');
    assert.equal(sdkModel(handle).modelId, 'gpt-4o-mini');
  });

  test('resolves an azure deployment from a resource name', () => {
    const handle = llm('azure/support-gpt4o', { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_RESOURCE_NAME: 'acme' });
    assert.equal(handle.provider, 'azure');
    assert.equal(sdkModel(handle).provider, 'azure.chat');
    assert.equal(sdkModel(handle).modelId, 'support-gpt4o');
  });

  test('resolves an anthropic model', () => {
    const handle = llm('anthropic/claude-sonnet-4-5', { ANTHROPIC_API_KEY: 'k' });
    assert.equal(handle.provider, 'anthropic');
    assert.equal(sdkModel(handle).modelId, 'claude-sonnet-4-5');
  });

  test('resolves an openai-compatible model without an API key', () => {
    const handle = llm('openai-compatible/llama3.1:8b', { OPENAI_COMPATIBLE_BASE_URL: 'http://localhost:11434/v1' });
    assert.equal(handle.provider, 'openai-compatible');
    assert.equal(sdkModel(handle).modelId, 'llama3.1:8b');
  });

  test('reports local models as local without needing any environment', () => {
    assert.deepEqual(resolveModel('local/router', {}), { kind: 'local', ref: 'local/router', name: 'router' });
  });

  test('rejects a reference with an unknown provider', () => {
    assert.throws(() => resolveModel('mistral/large', {}), (err: unknown) => err instanceof InputError && /mistral\/large/.test(err.message));
  });

  test('names OPENAI_API_KEY when it is missing', () => {
    assertNamesVariable(() => resolveModel('openai/gpt-4o', {}), 'OPENAI_API_KEY');
  });

  test('names AZURE_OPENAI_API_KEY when it is missing', () => {
    assertNamesVariable(() => resolveModel('azure/gpt-4o', { AZURE_OPENAI_RESOURCE_NAME: 'acme' }), 'AZURE_OPENAI_API_KEY');
  });

  test('names AZURE_OPENAI_RESOURCE_NAME when neither a resource nor a base URL is set', () => {
    assertNamesVariable(() => resolveModel('azure/gpt-4o', { AZURE_OPENAI_API_KEY: 'k' }), 'AZURE_OPENAI_RESOURCE_NAME');
  });

  test('names ANTHROPIC_API_KEY when it is missing', () => {
    assertNamesVariable(() => resolveModel('anthropic/claude-haiku-4-5', { ANTHROPIC_API_KEY: '  ' }), 'ANTHROPIC_API_KEY');
  });

  test('names OPENAI_COMPATIBLE_BASE_URL when it is missing', () => {
    assertNamesVariable(() => resolveModel('openai-compatible/llama3', { OPENAI_COMPATIBLE_API_KEY: 'k' }), 'OPENAI_COMPATIBLE_BASE_URL');
  });

  test('names the variable holding a base URL that is not a URL', () => {
    assertNamesVariable(() => resolveModel('openai/gpt-4o', { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'localhost:8000' }), 'OPENAI_BASE_URL');
  });

  test('reuses the handle for the same ref and settings, and makes a new one when a setting changes', () => {
    const env = { OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:9/v1' };
    const first = resolveModel('openai-compatible/m', env);
    assert.equal(resolveModel('openai-compatible/m', { ...env }), first);
    assert.notEqual(resolveModel('openai-compatible/m', { ...env, OPENAI_COMPATIBLE_API_KEY: 'k' }), first);
  });
});
