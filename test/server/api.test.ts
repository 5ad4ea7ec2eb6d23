import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import { ChatService } from '../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { createApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { openStore } from '../../src/store/open.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';

const agentDir = fileURLToPath(new URL('../fixtures/agents/mini-support/', import.meta.url));

async function readSse(res: Response): Promise<{ event: string | null; data: string }[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? null;
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      return { event, data };
    });
}

describe('the HTTP API', () => {
  let db: Db;
  let server: RunningServer;
  let secured: RunningServer;
  const post = (path: string, body: unknown, base = server.url) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  before(async () => {
    db = await openStore({ memory: true });
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    await agents.addRef(agentDir);
    const chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
    server = await listen(createApp({ chat }), '127.0.0.1', 0);
    secured = await listen(createApp({ chat, apiKey: 's3cret' }), '127.0.0.1', 0);
  });
  after(async () => {
    await server.close();
    await secured.close();
    await db.close();
  });

  test('creates a session and answers a message as JSON with its trace id', async () => {
    const created = await post('/v1/sessions', { agent: 'mini-support' });
    assert.equal(created.status, 201);
    const session = (await created.json()) as { id: string; agentVersion: string };
    const res = await post(`/v1/sessions/${session.id}/messages`, { text: 'where is order A1001?' });
    assert.equal(res.status, 200);
    const turn = (await res.json()) as { reply: string; topic: string; traceId: string; agent: { version: string } };
    assert.equal(turn.topic, 'order_status');
    assert.match(turn.reply, /shipped/i);
    assert.equal(turn.agent.version, session.agentVersion);

    const trace = await fetch(`${server.url}/v1/traces/${turn.traceId}`);
    assert.equal(trace.status, 200);
    const body = (await trace.json()) as { spans: { kind: string }[]; sessionId: string };
    assert.equal(body.sessionId, session.id);
    assert.ok(body.spans.some((s) => s.kind === 'tool'));
    const list = (await (await fetch(`${server.url}/v1/traces?session=${session.id}`)).json()) as { traces: { id: string }[] };
    assert.deepEqual(list.traces.map((t) => t.id), [turn.traceId]);
  });

  test('streams a turn as server-sent events ending with the full result', async () => {
    const session = (await (await post('/v1/sessions', { agent: 'mini-support' })).json()) as { id: string };
    const res = await post(`/v1/sessions/${session.id}/messages`, { text: 'where is order A1002?', stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = await readSse(res);
    assert.deepEqual(events.map((e) => e.event), ['route', 'delta', 'done']);
    assert.equal(JSON.parse(events[0].data).topic, 'order_status');
    assert.match(JSON.parse(events[2].data).reply, /delivered/i);
  });

  test('lists a pending approval and continues the turn when it is approved', async () => {
    const session = (await (await post('/v1/sessions', { agent: 'mini-support' })).json()) as { id: string };
    const paused = (await (await post(`/v1/sessions/${session.id}/messages`, { text: 'refund order A1002 for 12 dollars' })).json()) as {
      status: string;
      approvals: { id: string }[];
    };
    assert.equal(paused.status, 'awaiting_approval');
    const pending = (await (await fetch(`${server.url}/v1/approvals?session=${session.id}`)).json()) as { approvals: { id: string }[] };
    assert.deepEqual(pending.approvals.map((a) => a.id), [paused.approvals[0].id]);
    const decided = await post(`/v1/approvals/${paused.approvals[0].id}/approve`, { by: 'bob' });
    assert.equal(decided.status, 200);
    const result = (await decided.json()) as { approval: { status: string }; turn: { status: string; reply: string } };
    assert.equal(result.approval.status, 'approved');
    assert.equal(result.turn.status, 'completed');
    assert.match(result.turn.reply, /R-A1002/);
    const again = await post(`/v1/approvals/${paused.approvals[0].id}/deny`, {});
    assert.equal(again.status, 409);
  });

  test('answers bad input with a 4xx naming the field', async () => {
    const missing = await post('/v1/sessions', {});
    assert.equal(missing.status, 400);
    const body = (await missing.json()) as { error: { code: string; issues: { path: string }[] } };
    assert.equal(body.error.code, 'invalid_input');
    assert.equal(body.error.issues[0].path, 'agent');

    const malformed = await post('/v1/sessions', '{"agent": ');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid_json');

    const wrongType = await post('/v1/sessions', { agent: 42 });
    assert.equal(wrongType.status, 400);

    const unknownAgent = await post('/v1/sessions', { agent: 'nobody' });
    assert.equal(unknownAgent.status, 404);
    const unknownSession = await post('/v1/sessions/sess_missing/messages', { text: 'hi' });
    assert.equal(unknownSession.status, 404);
    const emptyText = await post('/v1/sessions/sess_missing/messages', { text: '' });
    assert.equal(emptyText.status, 400);
    assert.equal(((await emptyText.json()) as { error: { issues: { path: string }[] } }).error.issues[0].path, 'text');
    assert.equal((await fetch(`${server.url}/v1/traces/trc_missing`)).status, 404);
    assert.equal((await fetch(`${server.url}/v1/traces?limit=0`)).status, 400);
    assert.equal((await fetch(`${server.url}/v1/nowhere`)).status, 404);
  });

  test('serves its OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    for (const path of ['/v1/sessions', '/v1/sessions/{id}/messages', '/v1/approvals', '/v1/approvals/{id}/approve', '/v1/traces/{id}', '/v1/chat/completions']) {
      assert.ok(doc.paths[path], `documents ${path}`);
    }
  });

  test('talks to an OpenAI client through /v1/chat/completions, plain and streaming', async () => {
    const provider = createOpenAICompatible({ name: 'agentproof', baseURL: `${server.url}/v1` });
    const plain = await generateText({ model: provider('mini-support'), prompt: 'what is the status of order A1001?' });
    assert.match(plain.text, /shipped/i);
    const streamed = streamText({ model: provider('mini-support'), prompt: 'what is the status of order A1002?' });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    assert.match(text, /delivered/i);

    const raw = (await (await post('/v1/chat/completions', { model: 'mini-support', messages: [{ role: 'user', content: 'track A1001' }] })).json()) as {
      object: string;
      choices: { message: { content: string } }[];
      agentproof: { trace_id: string; topic: string };
    };
    assert.equal(raw.object, 'chat.completion');
    assert.equal(raw.agentproof.topic, 'order_status');
    assert.match(raw.agentproof.trace_id, /^trc_/);
  });

  test('rejects a chat completion for an unknown agent or without a user message', async () => {
    assert.equal((await post('/v1/chat/completions', { model: 'nobody', messages: [{ role: 'user', content: 'hi' }] })).status, 404);
    const noUser = await post('/v1/chat/completions', { model: 'mini-support', messages: [{ role: 'system', content: 'be nice' }] });
    assert.equal(noUser.status, 400);
    assert.equal(((await noUser.json()) as { error: { issues: { path: string }[] } }).error.issues[0].path, 'messages');
  });

  test('demands the bearer token on every request when an API key is set', async () => {
    assert.equal((await fetch(`${secured.url}/v1/agents`)).status, 401);
    assert.equal((await fetch(`${secured.url}/v1/agents`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const ok = await fetch(`${secured.url}/v1/agents`, { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { agents: { name: string }[] };
    assert.deepEqual(body.agents.map((a) => a.name), ['mini-support']);
  });
});
