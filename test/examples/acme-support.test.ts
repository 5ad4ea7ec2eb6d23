import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ChatService } from '../../src/agent/chat-service.ts';
import { loadAgentsDir } from '../../src/agent/load.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { syncAgentKnowledge } from '../../src/knowledge/ingest.ts';
import { getTrace } from '../../src/trace/store.ts';
import { builtinEvaluators } from '../../src/eval/evaluators/registry.ts';
import { runSuite } from '../../src/eval/run/runner.ts';
import { loadSuite } from '../../src/eval/suite/load.ts';
import { agentTarget } from '../../src/eval/targets/agent.ts';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

describe('the acme-support example', () => {
  let db: Db;
  let chat: ChatService;
  let agents: AgentRegistry;
  const say = async (...messages: string[]) => {
    const session = await chat.createSession('acme-support', 'test');
    let last;
    for (const m of messages) last = await chat.send(session.id, m);
    return last!;
  };

  before(async () => {
    db = await openStore({ memory: true });
    agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    const { loaded, errors } = await agents.addDir(examples);
    assert.deepEqual(errors, []);
    assert.deepEqual(loaded.map((a) => a.definition.name), ['acme-support']);
    const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, loaded[0]);
    assert.deepEqual(summary.failed, []);
    chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
  });
  after(() => db.close());

  test('loads every example agent without a problem', async () => {
    const { agents, errors } = await loadAgentsDir(examples);
    assert.deepEqual(errors, []);
    assert.ok(agents.length >= 1);
  });

  test('routes unseen phrasings of each topic to it', async () => {
    const cases: [string, string][] = [
      ['Hello, where is my parcel A10244?', 'order_status'],
      ['I want to send back the tent I bought', 'returns'],
      ['do you ship to Canada?', 'shipping'],
      ['how much does the Summit 28L daypack weigh?', 'product_questions'],
      ['I forgot my password', 'account'],
      ['why was I charged twice for one order?', 'billing'],
    ];
    for (const [utterance, topic] of cases) assert.equal((await say(utterance)).topic, topic, utterance);
  });

  test('looks an order up and answers with its status, citing the action', async () => {
    const r = await say('Where is my order A10244?');
    assert.equal(r.status, 'completed');
    assert.match(r.reply ?? '', /shipped/);
    assert.match(r.reply ?? '', /FedEx/);
    assert.equal(r.citations[0]?.source, 'lookup_order');
  });

  test('asks for the reason of a return, then pauses it for approval and completes it once approved', async () => {
    const paused = await say('I want to return order A10231', 'it arrived damaged');
    assert.equal(paused.status, 'awaiting_approval');
    assert.deepEqual(paused.approvals[0].arguments, { order_id: 'A10231', reason: 'damaged' });
    const { turn } = await chat.decide(paused.approvals[0].id, { approved: true, by: 'supervisor' });
    assert.equal(turn?.status, 'completed');
    assert.match(turn?.reply ?? '', /RMA-10231-DMG/);
  });

  test('says clearly when an order does not exist', async () => {
    const r = await say('where is order A99999?');
    assert.equal(r.status, 'failed');
    assert.match(r.reply ?? '', /No order A99999 was found/);
  });

  test('answers policy questions from its knowledge, citing the right document, every citation supported', async () => {
    const cases: [string, RegExp, string][] = [
      ['How long do I have to return an item?', /30 days of delivery/, 'returns-policy.md'],
      ['Can I return socks?', /unopened/, 'returns-policy.md'],
      ['How much does express shipping cost?', /\$14\.95/, 'shipping-policy.md'],
      ['do you accept PayPal?', /PayPal/, 'billing-faq.md'],
      ['How do I reset my password?', /Forgot password/, 'account-help.md'],
      ['How heavy is the Ember camp stove?', /320 g/, 'product-catalogue.md'],
    ];
    for (const [question, answer, document] of cases) {
      const r = await say(question);
      assert.match(r.reply ?? '', answer, question);
      assert.ok(r.sources.length > 0, `${question}: cites its sources`);
      assert.equal(r.sources[0].document, document, question);
      assert.ok(r.sources.every((s) => s.supported), `${question}: every citation supported`);
      assert.match(r.sources[0].link ?? '', /^https:\/\/help\.acme\.example\//);
      const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
      assert.equal(trace.stages?.grounding.unsupported.length, 0, `${question}: no unsupported sentence`);
    }
  });

  test('passes the gate of its own regression suite of 60+ cases on the local models', async () => {
    const { suite } = await loadSuite(`${examples}acme-support/tests/regression.yaml`);
    assert.ok(suite.cases.length >= 60);
    const agent = agents.get('acme-support');
    const target = agentTarget({ chat, db, projectId: DEFAULT_PROJECT_ID, agentName: 'acme-support', agentVersion: agent.version });
    const { summary } = await runSuite(db, suite, target, builtinEvaluators(), { projectId: DEFAULT_PROJECT_ID, agent: { name: 'acme-support', version: agent.version, models: {} }, concurrency: 4 });
    assert.equal(summary.gate.passed, true, summary.gate.criteria.filter((c) => !c.passed).map((c) => c.reason).join('; '));
    for (const topic of ['order_status', 'returns', 'billing', 'product_questions', 'shipping', 'account', 'off_topic']) {
      assert.ok(summary.topics.some((t) => t.topic === topic), `the suite covers ${topic}`);
    }
  });

  test('answers off-topic requests with its fallback message', async () => {
    for (const utterance of ['what is the capital of France?', 'can you write me a poem about cats']) {
      const r = await say(utterance);
      assert.equal(r.topic, null, utterance);
      assert.match(r.reply ?? '', /I can only help with Acme/);
    }
  });
});
