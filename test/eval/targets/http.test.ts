import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import type { HttpTargetConfig, SuiteCase } from '../../../src/eval/contracts.ts';
import { targetSchema } from '../../../src/eval/suite/target-schema.ts';
import { httpTarget } from '../../../src/eval/targets/http.ts';
import { startJsonServer, type Answer, type JsonServer, type Received } from './json-server.ts';

/** A target config as the suite loader would produce it, defaults applied. */
function config(fields: Record<string, unknown>): HttpTargetConfig {
  return targetSchema.parse({ type: 'http', body: { message: '{{utterance}}' }, response: { answer: 'reply' }, ...fields }) as HttpTargetConfig;
}

function utteranceCase(id: string, utterance: string): SuiteCase {
  return { id, utterance, tags: [], location: { file: 'inline.yaml', line: 1 } };
}

function conversationCase(id: string, turns: [string, string][]): SuiteCase {
  return { id, conversation: turns.map(([role, content]) => ({ role: role as 'user' | 'assistant', content })), tags: [], location: { file: 'inline.yaml', line: 1 } };
}

const servers: JsonServer[] = [];
async function serve(handle: (req: Received, index: number) => Answer): Promise<JsonServer> {
  const s = await startJsonServer(handle);
  servers.push(s);
  return s;
}
after(() => Promise.all(servers.map((s) => s.close())));

describe('http target', () => {
  test('fills the request template: utterance, conversation, session, case id, and headers from the environment', async () => {
    const server = await serve(() => ({ json: { reply: 'hello' } }));
    const target = httpTarget(
      config({
        url: `${server.url}/agents/{{case.id}}/chat?q={{utterance}}`,
        headers: { Authorization: 'Bearer ${env.AGENT_KEY}', 'X-Session': '{{session}}' },
        body: { input: { text: 'Q: {{utterance}}', history: '{{conversation}}' }, session: '{{session}}', meta: ['{{case.id}}', 3, true] },
      }),
      { AGENT_KEY: 'secret-1' },
    );
    const out = await target.run(utteranceCase('case 1', 'Where is A10244?'));
    assert.equal(out.status, 'completed', out.error ?? '');
    const [req] = server.received;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/agents/case%201/chat?q=Where%20is%20A10244%3F');
    assert.equal(req.headers.authorization, 'Bearer secret-1');
    assert.equal(req.headers['content-type'], 'application/json');
    const body = req.body as { input: { text: string; history: unknown }; session: string; meta: unknown[] };
    assert.equal(body.input.text, 'Q: Where is A10244?');
    assert.deepEqual(body.input.history, [{ role: 'user', content: 'Where is A10244?' }]);
    assert.match(body.session, /^sess_[0-9a-f]{32}$/);
    assert.equal(req.headers['x-session'], body.session);
    assert.deepEqual(body.meta, ['case 1', 3, true]);
    assert.equal(target.label, `${server.url}/agents/{{case.id}}/chat`);
  });

  test('refuses to start when an environment variable the target needs is not set, naming it and the field', () => {
    const cfg = config({ url: 'http://127.0.0.1:9/chat?key=${env.QUERY_KEY}', headers: { Authorization: 'Bearer ${env.AGENT_KEY}' } });
    assert.throws(
      () => httpTarget(cfg, { AGENT_KEY: '' }),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.match(err.message, /environment variables QUERY_KEY, AGENT_KEY, which are not set/);
        assert.deepEqual(err.issues.map((i) => i.path), ['target.url', 'target.headers.Authorization']);
        return true;
      },
    );
  });

  test('refuses a URL that is not http once its environment variables are filled in, without showing their values', () => {
    assert.throws(() => httpTarget(config({ url: '${env.AGENT_URL}/chat' }), { AGENT_URL: 'ftp://secret@host' }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /target\.url, with its environment variables filled in, is a ftp: URL/);
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
  });

  test('maps the answer, topic, actions and sources from the reply', async () => {
    const server = await serve(() => ({
      json: {
        data: {
          reply: 'Your order shipped [1].',
          topic: 'order_status',
          tools: ['identify_customer', { name: 'lookup_order', args: { order_id: 'A10244' } }, { name: 'notify', arguments: '{"channel":"sms"}', ok: false }],
          citations: ['shipping.md', { document: 'orders.md', source: 'kb', supported: false }],
        },
      },
    }));
    const target = httpTarget(config({ url: `${server.url}/chat`, response: { answer: 'data.reply', topic: '$.data.topic', actions: 'data.tools', sources: 'data.citations' } }));
    const out = await target.run(utteranceCase('c', 'Where is my order?'));
    assert.equal(out.status, 'completed', out.error ?? '');
    assert.equal(out.reply, 'Your order shipped [1].');
    assert.equal(out.topic, 'order_status');
    assert.deepEqual(out.actions, [
      { name: 'identify_customer', args: {}, ok: true },
      { name: 'lookup_order', args: { order_id: 'A10244' }, ok: true },
      { name: 'notify', args: { channel: 'sms' }, ok: false },
    ]);
    assert.deepEqual(out.sources, [
      { document: 'shipping.md', source: '', supported: true },
      { document: 'orders.md', source: 'kb', supported: false },
    ]);
    assert.ok(out.latencyMs > 0);
    assert.equal(out.error, null);
  });

  test('reads array items by index, and a null topic as off-topic', async () => {
    const server = await serve(() => ({ json: { choices: [{ text: 'Sorry, I only help with orders.' }], topic: null } }));
    const target = httpTarget(config({ url: `${server.url}/chat`, response: { answer: 'choices[0].text', topic: 'topic' } }));
    const out = await target.run(utteranceCase('c', 'Weather?'));
    assert.equal(out.reply, 'Sorry, I only help with orders.');
    assert.equal(out.topic, null);
  });

  test('resend mode posts the whole conversation so far, with the replies the agent actually gave', async () => {
    const server = await serve((_req, i) => ({ json: { reply: `reply ${i + 1}`, tools: [`tool_${i + 1}`] } }));
    const target = httpTarget(config({ url: `${server.url}/chat`, body: { messages: '{{conversation}}', session: '{{session}}' }, response: { answer: 'reply', actions: 'tools' } }));
    const out = await target.run(conversationCase('c', [['user', 'I want to return my tent'], ['assistant', 'Which order?'], ['user', 'A10336']]));
    assert.equal(out.status, 'completed', out.error ?? '');
    const bodies = server.received.map((r) => r.body as { messages: unknown; session: string });
    assert.equal(bodies.length, 2);
    assert.deepEqual(bodies[0].messages, [{ role: 'user', content: 'I want to return my tent' }]);
    assert.deepEqual(bodies[1].messages, [
      { role: 'user', content: 'I want to return my tent' },
      { role: 'assistant', content: 'reply 1' },
      { role: 'user', content: 'A10336' },
    ]);
    assert.equal(out.reply, 'reply 2');
    assert.deepEqual(out.actions.map((a) => a.name), ['tool_1', 'tool_2']);
  });

  test('session mode sends one user turn per request under the same session, and a new session per case', async () => {
    const server = await serve((req) => ({ json: { reply: `got ${(req.body as { text: string }).text}` } }));
    const target = httpTarget(config({ url: `${server.url}/sessions/{{session}}/messages`, multiTurn: 'session', body: { text: '{{utterance}}', turns: '{{conversation}}' } }));
    const out = await target.run(conversationCase('c', [['user', 'first'], ['user', 'second']]));
    assert.equal(out.reply, 'got second');
    await target.run(utteranceCase('d', 'other case'));
    const [a, b, c] = server.received;
    assert.deepEqual((a.body as { turns: unknown }).turns, [{ role: 'user', content: 'first' }]);
    assert.deepEqual((b.body as { turns: unknown }).turns, [{ role: 'user', content: 'second' }]);
    assert.equal(a.url, b.url);
    assert.match(a.url, /^\/sessions\/sess_[0-9a-f]{32}\/messages$/);
    assert.notEqual(c.url, a.url);
  });

  test('a non-2xx answer fails the case with the URL and status, and the next case still runs', async () => {
    const server = await serve((req) => ((req.body as { message: string }).message === 'bad' ? { status: 404, json: { error: 'no such agent' } } : { json: { reply: 'fine' } }));
    const target = httpTarget(config({ url: `${server.url}/chat` }));
    const failed = await target.run(utteranceCase('a', 'bad'));
    assert.equal(failed.status, 'error');
    assert.equal(failed.reply, null);
    assert.match(failed.error ?? '', new RegExp(`^POST ${server.url}/chat: HTTP 404 after 1 attempt: .*no such agent`));
    const next = await target.run(utteranceCase('b', 'good'));
    assert.equal(next.status, 'completed');
    assert.equal(next.reply, 'fine');
  });

  test('a mapping path missing from the reply fails the case naming the path and what the reply has', async () => {
    const server = await serve(() => ({ json: { data: { reply: 'hi', intent: 'greeting' } } }));
    const target = httpTarget(config({ url: `${server.url}/chat`, response: { answer: 'data.reply', topic: 'data.topic' } }));
    const out = await target.run(utteranceCase('a', 'hello'));
    assert.equal(out.status, 'error');
    assert.equal(out.error, `POST ${server.url}/chat: response.topic "data.topic" is not in the reply: data has no "topic" (it has reply, intent)`);
  });

  test('a reply that is not JSON, or a mapped field of the wrong kind, fails the case saying so', async () => {
    const server = await serve((_req, i) => (i === 0 ? { text: '<html>gateway</html>' } : { json: { reply: 'x', tools: 'lookup_order' } }));
    const target = httpTarget(config({ url: `${server.url}/chat`, response: { answer: 'reply', actions: 'tools' } }));
    const html = await target.run(utteranceCase('a', 'hello'));
    assert.match(html.error ?? '', /: the reply is not JSON: <html>gateway<\/html>$/);
    const kind = await target.run(utteranceCase('b', 'hello'));
    assert.match(kind.error ?? '', /response\.actions "tools" is a string, expected an array$/);
  });

  test('retries a 503 after the Retry-After it asks for, then succeeds', async () => {
    const server = await serve((_req, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '0' }, json: { error: 'warming up' } } : { json: { reply: 'ready' } }));
    const target = httpTarget(config({ url: `${server.url}/chat` }));
    const started = performance.now();
    const out = await target.run(utteranceCase('a', 'hello'));
    assert.equal(out.status, 'completed', out.error ?? '');
    assert.equal(out.reply, 'ready');
    assert.equal(server.received.length, 2);
    // Retry-After: 0 replaces the default 1 s backoff.
    assert.ok(performance.now() - started < 900);
  });

  test('gives up after its retries, and reports an unreachable endpoint as a connection failure', async () => {
    const server = await serve(() => ({ status: 500, headers: { 'retry-after': '0' }, json: { error: 'down' } }));
    const out = await httpTarget(config({ url: `${server.url}/chat`, retries: 1 })).run(utteranceCase('a', 'hello'));
    assert.match(out.error ?? '', /HTTP 500 after 2 attempts/);
    assert.equal(server.received.length, 2);
    const closed = await startJsonServer(() => ({}));
    await closed.close();
    const unreachable = await httpTarget(config({ url: `${closed.url}/chat`, retries: 0 })).run(utteranceCase('a', 'hello'));
    assert.equal(unreachable.status, 'error');
    assert.match(unreachable.error ?? '', new RegExp(`^POST ${closed.url}/chat: connection failed after 1 attempt: .*ECONNREFUSED`));
  });

  test('follows a redirect to where the agent moved, keeping the method and body', async () => {
    const server = await serve((req) => (req.url === '/old' ? { status: 307, headers: { location: '/new' } } : { json: { reply: `got ${(req.body as { message: string }).message}` } }));
    const out = await httpTarget(config({ url: `${server.url}/old` })).run(utteranceCase('a', 'hello'));
    assert.equal(out.status, 'completed', out.error ?? '');
    assert.equal(out.reply, 'got hello');
    assert.deepEqual(server.received.map((r) => `${r.method} ${r.url}`), ['POST /old', 'POST /new']);
  });

  test('reads a guardrail block the agent reports, stops the conversation there, and takes a missing field for no block', async () => {
    const replies: Record<string, unknown> = {
      flag: { reply: 'I cannot help with that.', guard: true },
      why: { reply: null, guard: 'prompt injection detected' },
      out: { reply: 'withheld', guard: { stage: 'output', reason: 'PII in the reply' } },
      none: { reply: 'fine', guard: false },
      absent: { reply: 'fine' },
      wrong: { reply: 'x', guard: 7 },
    };
    const server = await serve((req) => ({ json: replies[(req.body as { message: string }).message] }));
    const target = httpTarget(config({ url: `${server.url}/chat`, response: { answer: 'reply', blocked: 'guard' } }));
    assert.deepEqual((await target.run(utteranceCase('a', 'flag'))).blocked, { stage: 'input', reason: 'the agent reports a guardrail block' });
    const why = await target.run(conversationCase('b', [['user', 'why'], ['assistant', 'ok'], ['user', 'none']]));
    assert.deepEqual(why.blocked, { stage: 'input', reason: 'prompt injection detected' });
    assert.equal(why.reply, null);
    assert.equal(server.received.length, 2, 'the turn after the block is not sent');
    assert.deepEqual((await target.run(utteranceCase('c', 'out'))).blocked, { stage: 'output', reason: 'PII in the reply' });
    assert.equal((await target.run(utteranceCase('d', 'none'))).blocked, undefined);
    assert.equal((await target.run(utteranceCase('e', 'absent'))).blocked, undefined);
    const wrong = await target.run(utteranceCase('f', 'wrong'));
    assert.equal(wrong.status, 'error');
    assert.match(wrong.error ?? '', /response\.blocked "guard" is a number, expected true, a reason, or \{ stage: input\|output, reason \}/);
  });

  test('an interrupted run is not recorded as a failed case: the abort is thrown', async () => {
    const server = await serve(() => ({ json: { reply: 'late' } }));
    const target = httpTarget(config({ url: `${server.url}/chat` }));
    const abort = new AbortController();
    abort.abort(new Error('interrupted'));
    await assert.rejects(target.run(utteranceCase('a', 'hello'), abort.signal), /interrupted/);
  });
});
