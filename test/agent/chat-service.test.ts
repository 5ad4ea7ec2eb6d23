import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ChatService } from '../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { runTurn } from '../../src/agent/runtime/turn.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { getTrace } from '../../src/trace/store.ts';
import { storeVariants } from '../helpers/stores.ts';
import { refunds } from '../fixtures/agents/mini-support/actions.ts';

const agentDir = fileURLToPath(new URL('../fixtures/agents/mini-support/', import.meta.url));

for (const variant of storeVariants()) {
  describe(`a conversation on the local models (${variant.name})`, () => {
    let db: Db;
    let chat: ChatService;
    let agents: AgentRegistry;

    before(async () => {
      db = await variant.open();
      agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
      await agents.addRef(agentDir);
      chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
    });
    after(() => db.close());

    test('answers an order question from the action result and cites it', async () => {
      const s = await chat.createSession('mini-support', 'test');
      const r = await chat.send(s.id, 'What is the status of order A1001?');
      assert.equal(r.status, 'completed');
      assert.equal(r.topic, 'order_status');
      assert.match(r.reply ?? '', /shipped/i);
      assert.equal(r.citations[0]?.source, 'lookup_order');
      const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
      assert.equal(trace.status, 'completed');
      assert.equal(trace.agentVersion, r.agent.version);
      assert.deepEqual(
        trace.spans.map((sp) => `${sp.kind}:${sp.name}`),
        ['guard:guard input', 'route:route', 'model:extract_arguments', 'tool:lookup_order', 'model:answer', 'guard:guard output', 'respond:respond'],
      );
      const routeSpan = trace.spans.find((sp) => sp.kind === 'route')!;
      assert.equal(routeSpan.attributes.topic, 'order_status');
      assert.equal(typeof routeSpan.attributes.confidence, 'number');
      const tool = trace.spans.find((sp) => sp.kind === 'tool')!;
      assert.deepEqual(tool.input, { order_id: 'A1001' });
      assert.equal((tool.output as { carrier: string }).carrier, 'UPS');
    });

    test('asks for a missing order id and fills it from the next turn', async () => {
      const s = await chat.createSession('mini-support', 'test');
      const first = await chat.send(s.id, 'where is my order?');
      assert.equal(first.status, 'completed');
      assert.match(first.reply ?? '', /order id/i);
      const second = await chat.send(s.id, 'A1002');
      assert.equal(second.topic, 'order_status');
      assert.match(second.reply ?? '', /delivered/i);
      const session = await chat.getSession(s.id);
      assert.deepEqual(session.messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
    });

    test('pauses a refund until a person approves it, then completes the same trace', async () => {
      const s = await chat.createSession('mini-support', 'test');
      const before = refunds.length;
      const paused = await chat.send(s.id, 'Please refund order A1001 for $15.50');
      assert.equal(paused.status, 'awaiting_approval');
      assert.equal(paused.approvals.length, 1);
      assert.equal(paused.approvals[0].action, 'issue_refund');
      assert.deepEqual(paused.approvals[0].arguments, { order_id: 'A1001', amount: 15.5 });
      assert.equal(refunds.length, before, 'nothing runs before the approval');
      const pending = await chat.listApprovals({ status: 'pending', sessionId: s.id });
      assert.deepEqual(pending.map((a) => a.id), [paused.approvals[0].id]);

      const { approval, turn } = await chat.decide(paused.approvals[0].id, { approved: true, by: 'alice' });
      assert.equal(approval.status, 'approved');
      assert.equal(approval.decidedBy, 'alice');
      assert.ok(turn);
      assert.equal(turn.status, 'completed');
      assert.equal(turn.traceId, paused.traceId);
      assert.match(turn.reply ?? '', /R-A1001/);
      assert.equal(refunds.length, before + 1);
      const trace = await getTrace(db, DEFAULT_PROJECT_ID, paused.traceId);
      assert.equal(trace.status, 'completed');
      assert.ok(trace.endedAt);
      assert.ok(trace.spans.some((sp) => sp.kind === 'approval' && sp.attributes.decision === 'approved'));
      assert.ok(trace.spans.some((sp) => sp.kind === 'tool' && sp.name === 'issue_refund' && sp.status === 'ok'));
    });

    test('answers a denied refund without running the action, and refuses a second decision', async () => {
      const s = await chat.createSession('mini-support', 'test');
      const before = refunds.length;
      const paused = await chat.send(s.id, 'refund order A1002 for 20 dollars');
      assert.equal(paused.status, 'awaiting_approval');
      const { turn } = await chat.decide(paused.approvals[0].id, { approved: false, reason: 'outside the refund window' });
      assert.equal(turn?.status, 'denied');
      assert.match(turn?.reply ?? '', /not approved \(outside the refund window\)/);
      assert.equal(refunds.length, before);
      await assert.rejects(chat.decide(paused.approvals[0].id, { approved: true }), /already denied/);
    });

    test('ends the turn with a clear error on its trace when an action fails, keeping no messages of it', async () => {
      const s = await chat.createSession('mini-support', 'test');
      const r = await chat.send(s.id, 'send me the invoice for order A1001');
      assert.equal(r.topic, 'invoices');
      assert.equal(r.status, 'failed');
      assert.match(r.error ?? '', /billing system is down/);
      const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
      assert.equal(trace.status, 'failed');
      assert.match(trace.error ?? '', /billing system is down/);
      assert.equal(trace.spans.find((sp) => sp.kind === 'tool')?.status, 'error');
      assert.deepEqual((await chat.getSession(s.id)).messages, []);
    });

    test('answers an off-topic utterance with the fallback message', async () => {
      const s = await chat.createSession('mini-support', 'test');
      const r = await chat.send(s.id, 'who won the football world cup in 1998?');
      assert.equal(r.topic, null);
      assert.equal(r.reply, 'Sorry, I can only help with orders, refunds and invoices.');
    });

    test('writes nothing of a turn whose write fails part-way', async () => {
      const agent = agents.get('mini-support');
      // A session row that was never stored: the turn runs, and its one-statement write fails on the
      // session's foreign key after the turn, message and trace rows were already in the statement.
      const ghost = { id: 'sess_ghost', projectId: DEFAULT_PROJECT_ID, agentName: 'mini-support', agentVersion: agent.version, channel: 'test', state: {}, createdAt: new Date() };
      await assert.rejects(runTurn({ db, projectId: DEFAULT_PROJECT_ID }, agent, ghost, 'where is order A1001?', [], { channel: 'test' }));
      for (const table of ['turns', 'messages', 'traces']) {
        const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE session_id = 'sess_ghost'`);
        assert.equal(rows[0].n, 0, table);
      }
      const spans = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans s JOIN traces t ON t.id = s.trace_id WHERE t.session_id = 'sess_ghost'`);
      assert.equal(spans[0].n, 0);
    });

    test('rejects an empty message and an unknown session with errors naming them', async () => {
      const s = await chat.createSession('mini-support', 'test');
      await assert.rejects(chat.send(s.id, '   '), (err: Error & { issues?: { path?: string }[] }) => err.issues?.[0]?.path === 'text');
      await assert.rejects(chat.send('sess_nope', 'hello'), /session not found: sess_nope/);
      await assert.rejects(chat.createSession('nobody', 'test'), /agent not found: nobody/);
    });
  });
}
