import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { InputError, ProviderError } from '../../src/core/errors.ts';
import { resolveReranker } from '../../src/models/rerank.ts';
import { fixtureRerankScore, fixtureStems, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

let llm: ScriptedLlm;
let env: NodeJS.ProcessEnv;

before(async () => {
  llm = await startScriptedLlm();
  env = { OPENAI_COMPATIBLE_BASE_URL: llm.url, OPENAI_COMPATIBLE_API_KEY: 'rr-key' };
});
after(() => llm.close());
beforeEach(() => llm.reset());

const query = 'return a damaged parcel';
const documents = ['Opening hours of the shop.', 'A damaged parcel can be returned within 30 days.', 'Every parcel is insured.'];

describe('resolveReranker over HTTP', () => {
  test('orders the documents by the server’s scores, best first, with its token count', async () => {
    const reranker = resolveReranker('openai-compatible/bge-reranker', env);
    const result = await reranker.rerank(query, documents);
    assert.deepEqual(result.results.map((r) => r.index), [1, 2, 0]);
    assert.deepEqual(result.results.map((r) => r.score), [1, 2, 0].map((i) => fixtureRerankScore(query, documents[i])));
    assert.equal(result.tokens, documents.reduce((n, d) => n + fixtureStems(query).length + fixtureStems(d).length, 0));
    assert.equal(result.costUsd, 0);
    assert.deepEqual(llm.rerankRequests, [{ model: 'bge-reranker', query, documents }]);
  });

  test('asks for and keeps only the top n', async () => {
    const result = await resolveReranker('openai-compatible/bge-reranker', env).rerank(query, documents, { topN: 1 });
    assert.deepEqual(result.results.map((r) => r.index), [1]);
    assert.equal(llm.rerankRequests[0].top_n, 1);
  });

  test('estimates tokens when the server reports no usage', async () => {
    llm.enqueue({ usage: null });
    const result = await resolveReranker('openai-compatible/bge-reranker', env).rerank('hello', ['hello world']);
    assert.equal(result.tokens, 3, 'the query and the document of each pair, by the o200k tokenizer');
  });

  test('retries a 429 after the server’s Retry-After and then succeeds', async () => {
    llm.enqueue({ status: 429, message: 'slow down', retryAfterMs: 1 });
    const reranker = resolveReranker('openai-compatible/bge-reranker', env, { retryDelayMs: 60_000, timeoutMs: 10_000 });
    const result = await reranker.rerank(query, documents);
    assert.equal(result.results[0].index, 1);
    assert.equal(llm.rerankRequests.length, 2);
  });

  test('gives up with a ProviderError naming the model, the status and the message after its retries', async () => {
    const failure = { status: 500, message: 'reranker crashed' };
    llm.enqueue(failure, failure);
    const reranker = resolveReranker('openai-compatible/bge-reranker', env, { maxRetries: 1, retryDelayMs: 1 });
    await assert.rejects(reranker.rerank(query, documents), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.message, 'openai-compatible/bge-reranker: HTTP 500 after 2 attempts: reranker crashed');
      return true;
    });
    assert.equal(llm.rerankRequests.length, 2);
  });

  test('does not retry a 401, and gives up at the timeout', async () => {
    llm.enqueue({ status: 401, message: 'bad key' });
    await assert.rejects(resolveReranker('openai-compatible/bge-reranker', env, { retryDelayMs: 1 }).rerank(query, documents), /HTTP 401 after 1 attempt: bad key/);
    assert.equal(llm.rerankRequests.length, 1);
    llm.enqueue({ latencyMs: 5_000 });
    await assert.rejects(resolveReranker('openai-compatible/bge-reranker', env, { timeoutMs: 50 }).rerank(query, documents), /bge-reranker: timed out after 50 ms/);
  });

  test('sends nothing for no documents', async () => {
    assert.deepEqual(await resolveReranker('openai-compatible/bge-reranker', env).rerank(query, []), { results: [], tokens: 0, costUsd: 0 });
    assert.equal(llm.rerankRequests.length, 0);
  });
});

describe('resolveReranker against a misbehaving server', () => {
  let url: string;
  let reply: { status: number; body: string };
  let seen: { path: string; authorization: string | undefined }[];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    req.on('end', () => {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
  });
  const rerank = () => resolveReranker('openai-compatible/rr', { OPENAI_COMPATIBLE_BASE_URL: url, OPENAI_COMPATIBLE_API_KEY: 'k' }, { retryDelayMs: 1 }).rerank('q', ['a', 'b']);

  test('posts to {base URL}/rerank with the key as a Bearer token', async () => {
    reply = { status: 200, body: JSON.stringify({ results: [{ index: 0, relevance_score: 0.2 }, { index: 1, relevance_score: 0.9 }] }) };
    assert.deepEqual((await rerank()).results, [{ index: 1, score: 0.9 }, { index: 0, score: 0.2 }]);
    assert.deepEqual(seen, [{ path: '/v2/rerank', authorization: 'Bearer k' }]);
  });

  test('reports a malformed answer, an index out of range and a repeated index as ProviderErrors without retrying', async () => {
    for (const [body, message] of [
      ['not json', /rerank response is not JSON/],
      [JSON.stringify({ data: [] }), /rerank response is malformed \(results: /],
      [JSON.stringify({ results: [{ index: 2, relevance_score: 1 }] }), /names document 2 of 2/],
      [JSON.stringify({ results: [{ index: 0, relevance_score: 1 }, { index: 0, relevance_score: 0 }] }), /names document 0 twice/],
    ] as const) {
      seen = [];
      reply = { status: 200, body };
      await assert.rejects(rerank(), (err: unknown) => err instanceof ProviderError && message.test(err.message));
      assert.equal(seen.length, 1);
    }
  });

  test('takes the error message from the shapes servers use', async () => {
    reply = { status: 422, body: JSON.stringify({ detail: 'model not found' }) };
    await assert.rejects(rerank(), /HTTP 422 after 1 attempt: model not found/);
  });
});

describe('resolveReranker configuration', () => {
  test('names the missing base URL variable', () => {
    assert.throws(() => resolveReranker('openai-compatible/bge-reranker', {}), /OPENAI_COMPATIBLE_BASE_URL is not set/);
  });

  test('refuses providers that offer no reranking models', () => {
    for (const ref of ['openai/gpt-4o', 'azure/rerank', 'anthropic/claude-haiku-4-5', 'local/router']) {
      assert.throws(() => resolveReranker(ref, env), (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.match(err.message, /reranking is not offered by the \w+ provider/);
        return true;
      });
    }
  });

  test('refuses a topN below 1', async () => {
    await assert.rejects(resolveReranker('openai-compatible/bge-reranker', env).rerank(query, documents, { topN: 0 }), InputError);
  });
});
