import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatService } from '../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { AgentproofError, NotFoundError, StoreLockedError } from '../../src/core/errors.ts';
import { serverRequest, withStoreOrServer } from '../../src/cli/store-access.ts';
import { createApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { DEFAULT_PROJECT_ID } from '../../src/store/db.ts';
import { openStore, type Store } from '../../src/store/open.ts';
import { getTrace, insertTrace, listTraces, traceFromJson, traceWithSpansFromJson } from '../../src/trace/store.ts';
import { removeTempDir, tempDataDir } from '../helpers/stores.ts';
import { sampleTrace, withoutSpans } from '../helpers/traces.ts';

describe('reaching the store while a server holds it', () => {
  let data: string;
  let store: Store;
  let server: RunningServer;
  const trace = sampleTrace();
  const saved = { key: process.env.AGENTPROOF_API_KEY, url: process.env.DATABASE_URL };

  before(async () => {
    data = await tempDataDir();
    // The embedded store, whatever the developer's environment points at.
    process.env.DATABASE_URL = '';
    store = await openStore({ dataDir: data, command: 'agentproof serve' });
    await insertTrace(store, withoutSpans(trace), trace.spans);
    const chat = new ChatService(store, new AgentRegistry(store, DEFAULT_PROJECT_ID), DEFAULT_PROJECT_ID);
    server = await listen(createApp({ chat, apiKey: 'sesame' }), '127.0.0.1', 0);
    process.env.AGENTPROOF_API_KEY = 'sesame';
  });
  after(async () => {
    for (const [name, value] of [['AGENTPROOF_API_KEY', saved.key], ['DATABASE_URL', saved.url]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server.close();
    await store.close();
    await removeTempDir(data);
  });

  test('without a URL to talk to, the lock refusal stands', async () => {
    await assert.rejects(
      withStoreOrServer({ data, command: 'agentproof traces' }, { local: async () => 'local', remote: async () => 'remote' }),
      (err: unknown) => err instanceof StoreLockedError && err.message.includes('`agentproof serve`'),
    );
  });

  test('once the server has recorded its URL, commands read through it with the API key', async () => {
    await store.lock!.setOwnerUrl(server.url);
    const listed = await withStoreOrServer({ data, command: 'agentproof traces' }, {
      local: async () => assert.fail('the store is held: it must not be opened'),
      remote: async (baseUrl) => {
        assert.equal(baseUrl, server.url);
        const body = await serverRequest<{ traces: Record<string, unknown>[] }>(baseUrl, '/v1/traces?limit=5');
        return body.traces.map(traceFromJson);
      },
    });
    assert.deepEqual(listed, await listTraces(store, DEFAULT_PROJECT_ID, { limit: 5 }));
    const one = traceWithSpansFromJson(await serverRequest(server.url, `/v1/traces/${trace.id}`));
    assert.deepEqual(one, await getTrace(store, DEFAULT_PROJECT_ID, trace.id));
  });

  test("the server's errors come back as the same errors", async () => {
    await assert.rejects(serverRequest(server.url, '/v1/traces/trc_nope'), (err: unknown) => {
      assert.ok(err instanceof AgentproofError);
      assert.equal(err.status, 404);
      assert.equal(err.message, new NotFoundError('trace', 'trc_nope').message);
      return true;
    });
    process.env.AGENTPROOF_API_KEY = 'wrong';
    try {
      await assert.rejects(serverRequest(server.url, '/v1/traces'), (err: unknown) => err instanceof AgentproofError && err.status === 401);
    } finally {
      process.env.AGENTPROOF_API_KEY = 'sesame';
    }
  });

  test('a server that does not answer is named in the error', async () => {
    await assert.rejects(serverRequest('http://127.0.0.1:9', '/v1/traces'), /the store is in use by the agentproof server at http:\/\/127\.0\.0\.1:9, which did not answer/);
  });
});
