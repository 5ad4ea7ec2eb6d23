import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { InputError, ProviderError } from '../../src/core/errors.ts';
import { resolveEmbedder } from '../../src/models/embed.ts';
import { normalizeVector } from '../../src/models/normalize.ts';
import { FIXTURE_EMBEDDING_DIMS, fixtureEmbedding, fixtureStems, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

let llm: ScriptedLlm;
let env: NodeJS.ProcessEnv;

before(async () => {
  llm = await startScriptedLlm();
  env = { OPENAI_COMPATIBLE_BASE_URL: llm.url };
});
after(() => llm.close());
beforeEach(() => llm.reset());

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const texts = ['How do I return a parcel?', 'Refunds are paid within five days.', 'Returning parcels is free.'];

describe('resolveEmbedder over HTTP', () => {
  test('returns one unit-length vector per text, in order, with the server’s token count', async () => {
    const embedder = resolveEmbedder('openai-compatible/nomic-embed', env);
    const result = await embedder.embed(texts);
    assert.equal(result.vectors.length, texts.length);
    result.vectors.forEach((v, i) => {
      assert.equal(v.length, FIXTURE_EMBEDDING_DIMS);
      assert.ok(Math.abs(norm(v) - 1) < 1e-12, `vector ${i} has norm ${norm(v)}`);
      // The server's raw vector, normalised: same direction, so the order was kept.
      assert.ok(Math.abs(dot(v, normalizeVector(fixtureEmbedding(texts[i]))) - 1) < 1e-12);
    });
    assert.equal(result.tokens, texts.reduce((n, t) => n + fixtureStems(t).length, 0));
    assert.equal(result.costUsd, 0, 'a self-hosted model has no price');
    assert.deepEqual(llm.embeddingRequests.map((r) => [r.model, r.input]), [['nomic-embed', texts]]);
  });

  test('texts that share words come out closer than texts that do not', async () => {
    const { vectors } = await resolveEmbedder('openai-compatible/nomic-embed', env).embed(texts);
    assert.ok(dot(vectors[0], vectors[2]) > dot(vectors[0], vectors[1]));
  });

  test('estimates tokens with the tokenizer when the server reports no usage', async () => {
    llm.enqueue({ usage: null });
    const result = await resolveEmbedder('openai-compatible/nomic-embed', env).embed(['hello world']);
    assert.equal(result.tokens, 2);
  });

  test('prices OpenAI and Azure embedding models from the default table over the same HTTP path', async () => {
    for (const [ref, providerEnv] of [
      ['openai/text-embedding-3-small', { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.url }],
      ['azure/text-embedding-3-small', { AZURE_OPENAI_API_KEY: 'az-test', AZURE_OPENAI_BASE_URL: llm.url }],
    ] as const) {
      const result = await resolveEmbedder(ref, providerEnv).embed(['one two three four']);
      assert.equal(result.tokens, 4);
      assert.equal(result.costUsd, (4 * 0.02) / 1_000_000, ref);
    }
    assert.deepEqual(llm.embeddingRequests.map((r) => r.model), ['text-embedding-3-small', 'text-embedding-3-small']);
  });

  test('retries a 429 after the server’s Retry-After and then succeeds', async () => {
    llm.enqueue({ status: 429, message: 'slow down', retryAfterMs: 1 });
    // Our own first backoff (60 s) exceeds the timeout, so only honouring Retry-After can succeed.
    const embedder = resolveEmbedder('openai-compatible/nomic-embed', env, { retryDelayMs: 60_000, timeoutMs: 10_000 });
    const result = await embedder.embed(['after the wait']);
    assert.equal(result.vectors.length, 1);
    assert.equal(llm.embeddingRequests.length, 2);
  });

  test('gives up with a ProviderError naming the model, the status and the message after its retries', async () => {
    const failure = { status: 503, message: 'model is loading' };
    llm.enqueue(failure, failure, failure);
    const embedder = resolveEmbedder('openai-compatible/nomic-embed', env, { maxRetries: 2, retryDelayMs: 1 });
    await assert.rejects(embedder.embed(['hi']), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.message, 'openai-compatible/nomic-embed: HTTP 503 after 3 attempts: model is loading');
      return true;
    });
    assert.equal(llm.embeddingRequests.length, 3);
  });

  test('does not retry a 400', async () => {
    llm.enqueue({ status: 400, message: 'input too long' });
    await assert.rejects(resolveEmbedder('openai-compatible/nomic-embed', env, { retryDelayMs: 1 }).embed(['hi']), /HTTP 400 after 1 attempt: input too long/);
    assert.equal(llm.embeddingRequests.length, 1);
  });

  test('gives up on a slow server at the timeout, and throws the caller’s reason on cancel', async () => {
    llm.enqueue({ latencyMs: 5_000 });
    await assert.rejects(resolveEmbedder('openai-compatible/nomic-embed', env, { timeoutMs: 50 }).embed(['hi']), /nomic-embed: timed out after 50 ms/);
    llm.enqueue({ latencyMs: 5_000 });
    const controller = new AbortController();
    const reason = new Error('ingest cancelled');
    const pending = resolveEmbedder('openai-compatible/nomic-embed', env).embed(['hi'], { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await assert.rejects(pending, (err: unknown) => err === reason);
  });

  test('embeds nothing without a request', async () => {
    assert.deepEqual(await resolveEmbedder('openai-compatible/nomic-embed', env).embed([]), { vectors: [], tokens: 0, costUsd: 0 });
    assert.equal(llm.embeddingRequests.length, 0);
  });
});

describe('resolveEmbedder configuration', () => {
  test('names the missing environment variable', () => {
    assert.throws(() => resolveEmbedder('openai-compatible/nomic-embed', {}), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /OPENAI_COMPATIBLE_BASE_URL is not set/);
      return true;
    });
    assert.throws(() => resolveEmbedder('openai/text-embedding-3-small', {}), /OPENAI_API_KEY is not set/);
  });

  test('refuses providers that offer no embedding models', () => {
    for (const ref of ['anthropic/claude-haiku-4-5', 'local/router']) {
      assert.throws(() => resolveEmbedder(ref, { ANTHROPIC_API_KEY: 'x' }), (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.match(err.message, /embedding is not offered by the (anthropic|local) provider/);
        return true;
      });
    }
  });

  test('refuses a malformed model reference', () => {
    assert.throws(() => resolveEmbedder('text-embedding-3-small', env), InputError);
  });
});
