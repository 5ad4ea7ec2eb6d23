import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ChatService } from '../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { openStore } from '../../src/store/open.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { getTrace } from '../../src/trace/store.ts';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';
import { refunds } from '../fixtures/agents/mini-support/actions.ts';

const agentDir = fileURLToPath(new URL('../fixtures/agents/mini-llm/', import.meta.url));

describe('a conversation answered by an OpenAI-compatible model over HTTP', () => {
  let db: Db;
  let chat: ChatService;
  let llm: ScriptedLlm;

  before(async () => {
    llm = await startScriptedLlm();
    process.env.OPENAI_COMPATIBLE_BASE_URL = llm.url;
    db = await openStore({ memory: true });
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    await agents.addRef(agentDir);
    chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
  });
  after(async () => {
    await db.close();
    await llm.close();
  });
  beforeEach(() => llm.reset());

  test("runs the model's tool call and answers with the model's text, accounting tokens per call", async () => {
    llm.enqueue(
      { toolCalls: [{ name: 'lookup_order', args: { order_id: 'A1001' } }], usage: { promptTokens: 120, completionTokens: 12 } },
      { text: 'Order A1001 has shipped with UPS.', usage: { promptTokens: 160, completionTokens: 9 } },
    );
    const s = await chat.createSession('mini-llm', 'test');
    const r = await chat.send(s.id, 'where is my order A1001?');
    assert.equal(r.status, 'completed');
    assert.equal(r.reply, 'Order A1001 has shipped with UPS.');
    assert.equal(r.usage.inputTokens >= 280, true);
    assert.equal(llm.requests.length, 2);
    assert.deepEqual(llm.requests[0].tools?.map((t) => t.function.name), ['lookup_order']);
    const toolResult = llm.requests[1].messages.find((m) => m.role === 'tool');
    assert.match(String(toolResult?.content), /UPS/);

    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    const models = trace.spans.filter((sp) => sp.kind === 'model');
    assert.deepEqual(models.map((m) => [m.inputTokens, m.outputTokens]), [[120, 12], [160, 9]]);
    assert.equal(models[0].model, 'openai-compatible/scripted-model');
    assert.equal(trace.inputTokens, 280 + trace.spans.find((sp) => sp.kind === 'route')!.inputTokens);
    assert.ok(trace.spans.some((sp) => sp.kind === 'tool' && sp.name === 'lookup_order' && sp.status === 'ok'));
  });

  test('pauses an approval-required call from the model and continues the loop once approved', async () => {
    llm.enqueue({ toolCalls: [{ name: 'issue_refund', args: { order_id: 'A1002', amount: 20 } }] });
    const before = refunds.length;
    const s = await chat.createSession('mini-llm', 'test');
    const paused = await chat.send(s.id, 'I want a refund of 20 dollars for order A1002');
    assert.equal(paused.status, 'awaiting_approval');
    assert.equal(paused.approvals[0].action, 'issue_refund');
    assert.equal(refunds.length, before);

    llm.enqueue({ text: 'Your refund R-A1002 of $20 is issued.' });
    const { turn } = await chat.decide(paused.approvals[0].id, { approved: true });
    assert.equal(turn?.status, 'completed');
    assert.equal(turn?.reply, 'Your refund R-A1002 of $20 is issued.');
    assert.equal(refunds.length, before + 1);
    const resumedRequest = llm.requests.at(-1)!;
    assert.ok(resumedRequest.messages.some((m) => m.role === 'tool' && String(m.content).includes('R-A1002')));
  });

  test('streams the text deltas of the final answer in order', async () => {
    llm.enqueue({ text: 'Your order is on its way.' });
    const s = await chat.createSession('mini-llm', 'test');
    const deltas: string[] = [];
    const r = await chat.send(s.id, 'has my order shipped yet?', { onEvent: (e) => e.type === 'delta' && deltas.push(e.text) });
    assert.equal(deltas.join(''), 'Your order is on its way.');
    assert.equal(r.reply, 'Your order is on its way.');
  });

  test('stops a model that keeps calling tools at the step limit, with the limit on the trace', async () => {
    const s = await chat.createSession('mini-llm', 'test');
    for (let i = 0; i < 6; i++) llm.enqueue({ toolCalls: [{ name: 'lookup_order', args: { order_id: 'A1001' } }] });
    const r = await chat.send(s.id, 'where is my order A1001?');
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /step limit of 6/);
    assert.equal(llm.requests.length, 6);
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    assert.equal(trace.spans.filter((sp) => sp.kind === 'model').length, 6);
    assert.equal(trace.spans.filter((sp) => sp.kind === 'tool').length, 6);
  });

  test('shows the model its own invalid tool arguments as an error instead of running the action', async () => {
    llm.enqueue({ toolCalls: [{ name: 'lookup_order', args: { order_id: 'not-an-id' } }] }, { text: 'Could you check the order number?' });
    const s = await chat.createSession('mini-llm', 'test');
    const r = await chat.send(s.id, 'where is my order?');
    assert.equal(r.status, 'completed');
    const toolResult = llm.requests[1].messages.find((m) => m.role === 'tool');
    assert.match(String(toolResult?.content), /invalid arguments for lookup_order/);
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    assert.equal(trace.spans.find((sp) => sp.kind === 'tool')?.status, 'error');
  });

  test('ends the turn with the provider error recorded on its trace after the retries', async () => {
    llm.enqueue(
      { status: 500, message: 'upstream exploded', retryAfterMs: 5 },
      { status: 500, message: 'upstream exploded', retryAfterMs: 5 },
      { status: 500, message: 'upstream exploded', retryAfterMs: 5 },
    );
    const s = await chat.createSession('mini-llm', 'test');
    const r = await chat.send(s.id, 'where is my order A1001?');
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /500/);
    assert.match(r.error ?? '', /upstream exploded/);
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    assert.equal(trace.status, 'failed');
    assert.equal(trace.spans.find((sp) => sp.kind === 'model')?.status, 'error');
    assert.deepEqual((await chat.getSession(s.id)).messages, []);
  });
});
