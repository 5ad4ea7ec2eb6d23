import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { callModel } from '../../src/models/call.ts';
import { ProviderLimiter, storeCache, withModelScope } from '../../src/models/call-scope.ts';
import { resolveModel, type LlmHandle } from '../../src/models/registry.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

let llm: ScriptedLlm;
let db: Db;
let handle: LlmHandle;
before(async () => {
  llm = await startScriptedLlm({ respond: (req) => ({ text: `answer to ${String(req.messages.at(-1)?.content)}`, usage: { promptTokens: 10, completionTokens: 3 } }) });
  db = await openStore({ memory: true });
  handle = resolveModel('openai-compatible/scripted-model', { OPENAI_COMPATIBLE_BASE_URL: llm.url }) as LlmHandle;
});
after(async () => {
  await db.close();
  await llm.close();
});

test('inside a cached scope the same input is answered once by the model and then from the store, at no cost', async () => {
  const cache = storeCache(db, DEFAULT_PROJECT_ID);
  const ask = (content: string) => callModel({ handle, messages: [{ role: 'user', content }], temperature: 0, prices: { 'openai-compatible/scripted-model': { input: 1, output: 1 } } });
  const first = await withModelScope({ cache }, () => ask('hello'));
  const second = await withModelScope({ cache }, () => ask('hello'));
  const other = await withModelScope({ cache }, () => ask('something else'));
  const outside = await ask('hello');
  assert.equal(llm.requests.length, 3, 'hello once in scope, something else, and hello outside the scope');
  assert.equal(second.text, first.text);
  assert.equal(second.cached, true);
  assert.equal(second.costUsd, 0);
  assert.ok(first.costUsd > 0);
  assert.deepEqual(second.usage, first.usage);
  assert.equal(other.cached, undefined);
  assert.equal(outside.cached, undefined);
});

test('a provider limit keeps at most that many calls in flight, in order, and leaves other providers alone', async () => {
  const limiter = new ProviderLimiter({ openai: 2 });
  let inFlight = 0;
  let most = 0;
  const order: number[] = [];
  const work = (i: number) => async () => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 10));
    inFlight--;
    order.push(i);
    return i;
  };
  const done = await Promise.all(Array.from({ length: 6 }, (_, i) => limiter.run('openai', work(i))));
  assert.deepEqual(done, [0, 1, 2, 3, 4, 5]);
  assert.equal(most, 2);
  most = 0;
  await Promise.all(Array.from({ length: 4 }, (_, i) => limiter.run('azure', work(i))));
  assert.equal(most, 4);
  assert.throws(() => new ProviderLimiter({ openai: 0 }), /whole number ≥ 1/);
});
