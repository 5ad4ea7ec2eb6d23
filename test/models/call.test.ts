import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ProviderError } from '../../src/core/errors.ts';
import { callModel, classifyWithModel, OFF_TOPIC } from '../../src/models/call.ts';
import { resolveModel, type LlmHandle } from '../../src/models/registry.ts';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

let llm: ScriptedLlm;
let handle: LlmHandle;

function resolveLlm(ref: string, env: NodeJS.ProcessEnv): LlmHandle {
  const resolved = resolveModel(ref, env);
  assert.equal(resolved.kind, 'llm');
  return resolved;
}

const lookupOrder = {
  description: 'Look up an order by its number.',
  inputSchema: { type: 'object', properties: { orderId: { type: 'string' }, verbose: { type: 'boolean' } }, required: ['orderId'] },
};

const user = (content: string) => [{ role: 'user' as const, content }];

before(async () => {
  llm = await startScriptedLlm();
  handle = resolveLlm('openai-compatible/llama3', { OPENAI_COMPATIBLE_BASE_URL: llm.url });
});
after(() => llm.close());
beforeEach(() => llm.reset());

describe('callModel over HTTP', () => {
  test('returns the text, usage and finish reason of a plain answer', async () => {
    llm.enqueue({ text: 'Your order ships tomorrow.', usage: { promptTokens: 31, completionTokens: 6 } });
    const result = await callModel({ handle, system: 'You are a support agent.', messages: user('Where is my order?') });
    assert.equal(result.text, 'Your order ships tomorrow.');
    assert.deepEqual(result.toolCalls, []);
    assert.equal(result.finishReason, 'stop');
    assert.deepEqual(result.usage, { inputTokens: 31, outputTokens: 6 });
    assert.equal(result.usageEstimated, false);
    assert.equal(result.attempts, 1);
    assert.equal(result.responseModel, 'llama3');
    const sent = llm.requests[0];
    assert.equal(sent.model, 'llama3');
    assert.deepEqual(sent.messages[0], { role: 'system', content: 'You are a support agent.' });
    assert.equal(sent.messages[1].content, 'Where is my order?');
  });

  test('returns tool calls with parsed arguments and sends the tool schemas', async () => {
    llm.enqueue({ toolCalls: [{ name: 'lookup_order', args: { orderId: 'A-1001', verbose: true }, id: 'call_7' }] });
    const result = await callModel({ handle, messages: user('Where is A-1001?'), tools: { lookup_order: lookupOrder } });
    assert.deepEqual(result.toolCalls, [{ id: 'call_7', name: 'lookup_order', args: { orderId: 'A-1001', verbose: true } }]);
    assert.equal(result.finishReason, 'tool-calls');
    const tool = llm.requests[0].tools?.[0];
    assert.equal(tool?.function.name, 'lookup_order');
    assert.equal(tool?.function.description, lookupOrder.description);
    assert.deepEqual((tool?.function.parameters as { required: string[] }).required, ['orderId']);
  });

  test('reports a call to a tool it was not given as a ProviderError', async () => {
    llm.enqueue({ toolCalls: [{ name: 'delete_account', args: {} }] });
    await assert.rejects(
      callModel({ handle, messages: user('close my account'), tools: { lookup_order: lookupOrder } }),
      (err: unknown) => err instanceof ProviderError && /invalid call to tool "delete_account"/.test(err.message),
    );
  });

  test('streams text deltas in order and reports the usage of the final chunk', async () => {
    llm.enqueue({ text: 'Your parcel left the warehouse this morning.', usage: { promptTokens: 12, completionTokens: 9 } });
    const deltas: string[] = [];
    const result = await callModel({ handle, messages: user('status?'), onTextDelta: (d) => deltas.push(d) });
    assert.ok(deltas.length > 1, `expected several deltas, got ${JSON.stringify(deltas)}`);
    assert.equal(deltas.join(''), 'Your parcel left the warehouse this morning.');
    assert.equal(result.text, deltas.join(''));
    assert.deepEqual(result.usage, { inputTokens: 12, outputTokens: 9 });
    assert.equal(llm.requests[0].stream, true);
  });

  test('passes an error thrown by the delta callback through unchanged and does not retry', async () => {
    llm.enqueue({ text: 'two words' }, { text: 'never reached' });
    const broken = new Error('client went away');
    await assert.rejects(callModel({ handle, messages: user('hi'), onTextDelta: () => { throw broken; } }), (err: unknown) => err === broken);
    assert.equal(llm.requests.length, 1);
  });

  test('streams tool calls whose arguments arrive in pieces', async () => {
    llm.enqueue({ toolCalls: [{ name: 'lookup_order', args: { orderId: 'B-2002' } }] });
    const result = await callModel({ handle, messages: user('B-2002?'), tools: { lookup_order: lookupOrder }, onTextDelta: () => {} });
    assert.equal(result.toolCalls.length, 1);
    assert.deepEqual(result.toolCalls[0].args, { orderId: 'B-2002' });
  });

  test('retries a 429 after the provider’s Retry-After rather than its own backoff', async () => {
    llm.enqueue({ status: 429, message: 'rate limited', retryAfterMs: 1 }, { text: 'after the wait' });
    // Our own first backoff (60 s) exceeds the timeout, so only honouring Retry-After can succeed.
    const result = await callModel({ handle, messages: user('hi'), retryDelayMs: 60_000, timeoutMs: 10_000 });
    assert.equal(result.text, 'after the wait');
    assert.equal(result.attempts, 2);
    assert.equal(llm.requests.length, 2);
  });

  test('retries a 429 on the streaming path too', async () => {
    llm.enqueue({ status: 429, message: 'rate limited', retryAfterMs: 1 }, { text: 'streamed after the wait' });
    const deltas: string[] = [];
    const result = await callModel({ handle, messages: user('hi'), retryDelayMs: 1, onTextDelta: (d) => deltas.push(d) });
    assert.equal(deltas.join(''), 'streamed after the wait');
    assert.equal(result.attempts, 2);
  });

  test('turns three 500s into a ProviderError with the status and the provider message', async () => {
    const failure = { status: 500, message: 'upstream exploded' };
    llm.enqueue(failure, failure, failure, { text: 'never reached' });
    await assert.rejects(callModel({ handle, messages: user('hi'), maxRetries: 2, retryDelayMs: 1 }), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.message, 'openai-compatible/llama3: HTTP 500 after 3 attempts: upstream exploded');
      return true;
    });
    assert.equal(llm.requests.length, 3);
  });

  test('does not retry a 401', async () => {
    llm.enqueue({ status: 401, message: 'Incorrect API key provided' }, { text: 'never reached' });
    await assert.rejects(callModel({ handle, messages: user('hi'), retryDelayMs: 1 }), /HTTP 401 after 1 attempt: Incorrect API key provided/);
    assert.equal(llm.requests.length, 1);
  });

  test('gives up on a slow response at the timeout with a ProviderError', async () => {
    llm.enqueue({ text: 'too late', latencyMs: 5_000 });
    await assert.rejects(callModel({ handle, messages: user('hi'), timeoutMs: 50 }), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.match(err.message, /^openai-compatible\/llama3: timed out after 50 ms/);
      return true;
    });
  });

  test('throws the caller’s reason when the caller cancels', async () => {
    llm.enqueue({ text: 'too late', latencyMs: 5_000 });
    const controller = new AbortController();
    const reason = new Error('turn cancelled');
    const pending = callModel({ handle, messages: user('hi'), abortSignal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await assert.rejects(pending, (err: unknown) => err === reason);
  });

  test('reaches the OpenAI and Azure providers over the same HTTP path', async () => {
    for (const [ref, env] of [
      ['openai/gpt-4o-mini', { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.url }],
      ['azure/gpt-4o', { AZURE_OPENAI_API_KEY: 'az-test', AZURE_OPENAI_BASE_URL: llm.url }],
    ] as const) {
      // Answered by the echo rather than a queued reply: under load, a request the earlier tests
      // abandoned can reach the server late and would take a queued reply meant for this one.
      const result = await callModel({ handle: resolveLlm(ref, env), messages: user(`hi ${ref}`) });
      assert.equal(result.text, `echo: hi ${ref}`);
      assert.equal(result.priced, true);
      assert.ok(result.costUsd > 0, `${ref} should be priced from the default table`);
    }
  });

  test('estimates usage with the tokenizer when the server reports none', async () => {
    llm.enqueue({ text: 'hello world', usage: null });
    const result = await callModel({ handle, messages: user('hi') });
    assert.equal(result.usageEstimated, true);
    assert.equal(result.usage.outputTokens, 2);
    assert.ok(result.usage.inputTokens > 0);
  });

  test('prices the call with the table it is given', async () => {
    llm.enqueue({ text: 'ok', usage: { promptTokens: 2_000_000, completionTokens: 1_000_000 } });
    const result = await callModel({ handle, messages: user('hi'), prices: { 'openai-compatible/*': { input: 0.5, output: 1.5 } } });
    assert.equal(result.costUsd, 2.5);
    assert.equal(result.priced, true);
  });
});

describe('classifyWithModel over HTTP', () => {
  const topics = [
    { name: 'order_status', description: 'Where an order is and when it arrives.' },
    { name: 'returns', description: 'Sending items back and refunds.' },
  ];

  test('parses the verdict and lists the topics in the prompt', async () => {
    llm.enqueue({ text: '{"topic": "returns", "confidence": 0.87}' });
    const result = await classifyWithModel(handle, 'I want my money back', topics);
    assert.equal(result.label, 'returns');
    assert.equal(result.confidence, 0.87);
    assert.deepEqual(result.ranking, [{ label: 'returns', probability: 0.87 }]);
    assert.ok(result.usage.inputTokens > 0);
    const system = String(llm.requests[0].messages[0].content);
    assert.match(system, /order_status: Where an order is/);
    assert.match(system, new RegExp(OFF_TOPIC));
  });

  test('accepts off_topic and a verdict inside a json code fence', async () => {
    llm.enqueue({ text: '```json\n{"topic": "off_topic", "confidence": 0.6}\n```' });
    const result = await classifyWithModel(handle, 'tell me a joke', topics);
    assert.equal(result.label, OFF_TOPIC);
  });

  test('sends the conversation so far with the latest message', async () => {
    llm.enqueue({ text: '{"topic": "order_status", "confidence": 0.9}' });
    await classifyWithModel(handle, 'and the other one?', topics, [
      { role: 'user', content: 'where is order A-1?' },
      { role: 'assistant', content: 'It ships today.' },
    ]);
    const prompt = String(llm.requests[0].messages[1].content);
    assert.match(prompt, /user: where is order A-1\?\nassistant: It ships today\./);
    assert.match(prompt, /and the other one\?$/);
  });

  test('rejects a reply that is not JSON', async () => {
    llm.enqueue({ text: 'I think this is about returns.' });
    await assert.rejects(classifyWithModel(handle, 'refund please', topics), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.match(err.message, /routing reply is not JSON: "I think this is about returns\."/);
      return true;
    });
  });

  test('rejects a confidence outside 0..1', async () => {
    llm.enqueue({ text: '{"topic": "returns", "confidence": 7}' });
    await assert.rejects(classifyWithModel(handle, 'refund please', topics), /routing reply is malformed \(confidence: /);
  });

  test('rejects a topic that is not in the list', async () => {
    llm.enqueue({ text: '{"topic": "billing", "confidence": 0.9}' });
    await assert.rejects(classifyWithModel(handle, 'refund please', topics), /unknown topic "billing"/);
  });
});

describe('scripted LLM server', () => {
  test('lists a model at GET /v1/models', async () => {
    const response = await fetch(`${llm.url}/models`);
    const body = (await response.json()) as { data: { id: string }[] };
    assert.equal(response.status, 200);
    assert.equal(body.data[0].id, 'scripted');
  });

  test('echoes the last user message once its queue is empty', async () => {
    const result = await callModel({ handle, messages: user('ping') });
    assert.equal(result.text, 'echo: ping');
  });
});
