import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { looksLikeFollowUp, parseReply, REWRITE_PROMPT, rewriteQuery, type ConversationMessage } from '../../../src/knowledge/grounding/rewrite.ts';
import { resolveModel, type LlmHandle } from '../../../src/models/registry.ts';
import { startScriptedLlm, type ScriptedLlm } from '../../fixtures/scripted-llm.ts';

const history: ConversationMessage[] = [
  { role: 'user', content: 'How long is the return window for the Trail 2 tent?' },
  { role: 'assistant', content: 'You can return the Trail 2 tent within 30 days [1].' },
];

describe('looksLikeFollowUp', () => {
  test('recognises questions that lean on the conversation', () => {
    for (const q of ['and for the other one?', 'What about kayaks?', 'How long does it take?', 'Is it waterproof?', 'Why?', 'Does that apply to sale items?']) {
      assert.equal(looksLikeFollowUp(q), true, q);
    }
  });

  test('leaves standalone questions, dummy pronouns and thanks alone', () => {
    for (const q of ['What is the return window for tents bought in a store?', 'Is it possible to return shoes?', 'Is there a warranty on tents?', 'thanks!', 'Where is my order A1234?']) {
      assert.equal(looksLikeFollowUp(q), false, q);
    }
  });
});

describe('rewriteQuery without a model', () => {
  test('expands a follow-up with the content words of the previous question', async () => {
    const r = await rewriteQuery({ question: 'and for the other one?', history });
    assert.equal(r.method, 'history');
    assert.equal(r.query, 'and for the other one? return window trail 2 tent');
    assert.match(r.reason, /follow-up/);
    assert.equal(r.model, undefined);
  });

  test('does not repeat words the follow-up already has', async () => {
    const r = await rewriteQuery({ question: 'what about the tent footprint?', history });
    assert.equal(r.query, 'what about the tent footprint? return window trail 2');
  });

  test('leaves a standalone question as it is', async () => {
    const r = await rewriteQuery({ question: 'Do you ship to Canada?', history });
    assert.deepEqual(r, { query: 'Do you ship to Canada?', method: 'none', reason: 'not a follow-up' });
  });

  test('does nothing on the first turn', async () => {
    const r = await rewriteQuery({ question: 'and for the other one?', history: [] });
    assert.equal(r.method, 'none');
    assert.equal(r.reason, 'no earlier messages');
  });

  test('ignores the question itself when the history already ends with it', async () => {
    const r = await rewriteQuery({ question: 'and for the other one?', history: [...history, { role: 'user', content: 'and for the other one?' }] });
    assert.equal(r.method, 'history');
    assert.match(r.query, /trail 2 tent$/);
  });

  test('keeps an empty question empty', async () => {
    const r = await rewriteQuery({ question: '  ', history });
    assert.equal(r.method, 'none');
    assert.equal(r.reason, 'empty question');
  });
});

describe('parseReply', () => {
  test('strips a label, quotes and a code fence around the query', () => {
    assert.deepEqual(parseReply('Standalone query: "return window for the Trail 3 tent"', 'stop', 'q'), { query: 'return window for the Trail 3 tent' });
    assert.deepEqual(parseReply('```\nreturn window kayak\n```', 'stop', 'q'), { query: 'return window kayak' });
  });

  test('rejects empty, multi-line, over-long and cut replies', () => {
    assert.deepEqual(parseReply(' \n ', 'stop', 'q'), { problem: 'model returned an empty query' });
    assert.deepEqual(parseReply('return window kayak\nI resolved "the other one" to the kayak.', 'stop', 'q'), { problem: 'model reply is not a single line' });
    assert.deepEqual(parseReply('word '.repeat(200), 'stop', 'q'), { problem: 'model reply is too long for a query' });
    assert.deepEqual(parseReply('return window', 'length', 'q'), { problem: 'model reply was cut at the output limit' });
  });
});

describe('rewriteQuery with a model over HTTP', () => {
  let llm: ScriptedLlm;
  let handle: LlmHandle;

  before(async () => {
    llm = await startScriptedLlm();
    const resolved = resolveModel('openai-compatible/llama3', { OPENAI_COMPATIBLE_BASE_URL: llm.url });
    assert.equal(resolved.kind, 'llm');
    handle = resolved;
  });
  after(() => llm.close());
  beforeEach(() => llm.reset());

  test('uses the model’s standalone query and records model, prompt version, usage and latency', async () => {
    llm.enqueue({ text: 'Return window for the Trail 3 tent', usage: { promptTokens: 120, completionTokens: 8 } });
    const r = await rewriteQuery({ question: 'and for the Trail 3?', history, handle });
    assert.equal(r.query, 'Return window for the Trail 3 tent');
    assert.equal(r.method, 'model');
    assert.equal(r.reason, 'rewritten by the model');
    assert.equal(r.model, 'openai-compatible/llama3');
    assert.equal(r.promptVersion, REWRITE_PROMPT.version);
    assert.equal(r.inputTokens, 120);
    assert.equal(r.outputTokens, 8);
    assert.equal(typeof r.costUsd, 'number');
    assert.ok(typeof r.latencyMs === 'number' && r.latencyMs >= 0);

    const sent = llm.requests[0];
    assert.equal(sent.temperature, 0);
    assert.deepEqual(sent.messages[0], { role: 'system', content: REWRITE_PROMPT.system });
    const prompt = String(sent.messages[1].content);
    assert.match(prompt, /user: How long is the return window for the Trail 2 tent\?\nassistant: You can return the Trail 2 tent within 30 days \[1\]\./);
    assert.match(prompt, /Latest question: and for the Trail 3\?/);
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });

  test('falls back to the question when the model replies with nothing', async () => {
    llm.enqueue({ text: '', usage: { promptTokens: 120, completionTokens: 0 } });
    const r = await rewriteQuery({ question: 'and for the Trail 3?', history, handle });
    assert.equal(r.query, 'and for the Trail 3?');
    assert.equal(r.method, 'none');
    assert.equal(r.reason, 'model returned an empty query, kept the question');
    assert.equal(r.model, 'openai-compatible/llama3');
    assert.equal(r.inputTokens, 120);
  });

  test('falls back to the question when the model keeps failing, naming the failure', async () => {
    llm.enqueue({ status: 500, message: 'upstream exploded' }, { status: 500, message: 'upstream exploded' });
    const r = await rewriteQuery({ question: 'and for the Trail 3?', history, handle, maxRetries: 1, retryDelayMs: 1 });
    assert.equal(r.method, 'none');
    assert.match(r.reason, /^model call failed, kept the question: .*HTTP 500 after 2 attempts: upstream exploded/);
    assert.equal(r.inputTokens, undefined);
  });

  test('reports that the model kept a question that was already standalone', async () => {
    llm.enqueue({ text: 'Do you ship to Canada?' });
    const r = await rewriteQuery({ question: 'Do you ship to Canada?', history, handle });
    assert.equal(r.method, 'model');
    assert.equal(r.reason, 'the model kept the question as it was');
  });

  test('shows the model only the latest messages', async () => {
    llm.enqueue({ text: 'kayak returns' });
    const long: ConversationMessage[] = Array.from({ length: 10 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}` }));
    await rewriteQuery({ question: 'and that one?', history: long, handle, maxHistory: 2 });
    const prompt = String(llm.requests[0].messages[1].content);
    assert.doesNotMatch(prompt, /message 7/);
    assert.match(prompt, /user: message 8\nassistant: message 9/);
  });

  test('does not call the model on the first turn', async () => {
    const r = await rewriteQuery({ question: 'Do you ship to Canada?', history: [], handle });
    assert.equal(r.method, 'none');
    assert.equal(llm.requests.length, 0);
  });
});
