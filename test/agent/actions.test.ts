import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ActionError, InputError } from '../../src/core/errors.ts';
import { invokeAction, validateActionArgs } from '../../src/agent/actions/invoke.ts';
import { loadAgent, parseAgent, type LoadedAgent } from '../../src/agent/load.ts';
import type { ActionDefinition } from '../../src/agent/schema.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/acme-support');
const ctx = { sessionId: 'sess_test' };

function actionOf(agent: LoadedAgent, name: string): ActionDefinition {
  const action = agent.definition.actions.find((a) => a.name === name);
  assert.ok(action, `no action ${name}`);
  return action;
}

async function actionError(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ActionError, `expected ActionError, got ${String(err)}`);
    return err;
  }
  assert.fail('the action succeeded');
}

describe('module actions', () => {
  let acme: LoadedAgent;
  let tmp: string;
  let local: LoadedAgent;
  before(async () => {
    acme = await loadAgent(EXAMPLE);
    tmp = await mkdtemp(path.join(tmpdir(), 'agentproof-actions-'));
    await writeFile(
      path.join(tmp, 'tools.ts'),
      `export async function waitForAbort(_args: unknown, ctx: { signal: AbortSignal }) {
  await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
  return 'stopped';
}
export function whoAmI(args: { name: string }, ctx: { sessionId: string }) {
  return { greeting: 'hello ' + args.name, session: ctx.sessionId, when: new Date(0) };
}
`,
    );
    local = await parseAgent(
      `name: local-tools
description: Tools for tests.
topics:
  - name: all
    description: Everything.
actions:
  - name: slow
    description: Waits until aborted.
    implementation: { type: module, module: tools.ts, export: waitForAbort, timeoutMs: 50 }
  - name: greet
    description: Greets.
    input: { type: object, properties: { name: { type: string } }, required: [name] }
    implementation: { type: module, module: ./tools.ts, export: whoAmI }
  - name: missing_export
    description: Names an export that does not exist.
    implementation: { type: module, module: tools.ts, export: nothing }
`,
      path.join(tmp, 'agent.yaml'),
    );
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  test('looks up an Acme order through the example module', async () => {
    const result = (await invokeAction(acme, actionOf(acme, 'lookup_order'), { order_id: 'A10244' }, ctx)) as Record<string, unknown>;
    assert.equal(result.status, 'shipped');
    assert.equal(result.carrier, 'FedEx');
    assert.equal(result.tracking_number, '771234567890');
    assert.equal(result.eta, '2025-05-15');
    assert.equal(JSON.stringify(result).includes('@'), false, 'the customer email stays out of the result');
  });

  test('creates a return with an RMA derived from a delivered order', async () => {
    const result = (await invokeAction(acme, actionOf(acme, 'create_return'), { order_id: 'A10231', reason: 'damaged' }, ctx)) as Record<string, unknown>;
    assert.equal(result.rma, 'RMA-10231-DMG');
    assert.equal(result.order_id, 'A10231');
  });

  test('turns an error thrown by the module into an ActionError with its message', async () => {
    const notDelivered = await actionError(invokeAction(acme, actionOf(acme, 'create_return'), { order_id: 'A10244', reason: 'other' }, ctx));
    assert.equal(notDelivered.action, 'create_return');
    assert.match(notDelivered.message, /A10244 has not been delivered/);
    const unknown = await actionError(invokeAction(acme, actionOf(acme, 'lookup_order'), { order_id: 'A99999' }, ctx));
    assert.match(unknown.message, /No order A99999 was found/);
  });

  test('rejects invalid arguments with an InputError naming each field', async () => {
    await assert.rejects(invokeAction(acme, actionOf(acme, 'create_return'), { order_id: '10231', refund: true }, ctx), (err: unknown) => {
      assert.ok(err instanceof InputError);
      const paths = err.issues.map((i) => i.path).sort();
      assert.deepEqual(paths, ['order_id', 'reason', 'refund']);
      assert.match(err.issues.find((i) => i.path === 'reason')?.message ?? '', /required/);
      return true;
    });
  });

  test('passes the session id and returns plain JSON', async () => {
    const result = await invokeAction(local, actionOf(local, 'greet'), { name: 'Ava' }, ctx);
    assert.deepEqual(result, { greeting: 'hello Ava', session: 'sess_test', when: '1970-01-01T00:00:00.000Z' });
  });

  test('aborts a module call at its timeout and reports it', async () => {
    const err = await actionError(invokeAction(local, actionOf(local, 'slow'), {}, ctx));
    assert.match(err.message, /timed out after 50 ms/);
  });

  test('names the missing export and the functions the module has', async () => {
    const err = await actionError(invokeAction(local, actionOf(local, 'missing_export'), {}, ctx));
    assert.match(err.message, /no function export "nothing" \(functions: waitForAbort, whoAmI\)/);
  });
});

describe('validateActionArgs', () => {
  test('fills defaults into a copy and leaves the input untouched', async () => {
    const agent = await parseAgent(
      `name: defaults
description: d
topics: [{ name: t, description: d }]
actions:
  - name: search
    description: Searches.
    input: { type: object, properties: { q: { type: string }, limit: { type: integer, default: 5 } }, required: [q] }
    implementation: { type: http, url: "https://example.com/search" }
`,
      path.join(tmpdir(), 'defaults-agent.yaml'),
    );
    const input = { q: 'tents' };
    const checked = validateActionArgs(agent.definition.actions[0], input);
    assert.deepEqual(checked, { ok: true, value: { q: 'tents', limit: 5 } });
    assert.deepEqual(input, { q: 'tents' });
    const bad = validateActionArgs(agent.definition.actions[0], { q: 3, limit: 'many' });
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.ok ? [] : bad.issues.map((i) => i.path).sort(), ['limit', 'q']);
  });
});

describe('http actions', () => {
  let server: Server;
  let agent: LoadedAgent;
  let tmp: string;
  const hits = new Map<string, number>();
  const seen: { url: string; method: string; headers: IncomingMessage['headers']; body: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const route = new URL(req.url ?? '/', 'http://x').pathname;
        const count = (hits.get(route) ?? 0) + 1;
        hits.set(route, count);
        seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
        if (route === '/echo') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ got: JSON.parse(body || 'null'), auth: req.headers.authorization }));
        } else if (route === '/flaky') {
          if (count < 3) {
            res.statusCode = 503;
            res.end('busy');
          } else {
            res.end(JSON.stringify({ ok: true, attempt: count }));
          }
        } else if (route === '/missing') {
          res.statusCode = 404;
          res.end('order not found in the shop system');
        } else if (route === '/text') {
          res.end('plain answer');
        } else if (route === '/slow') {
          // Never answers: the client's timeout has to end the call.
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tmp = await mkdtemp(path.join(tmpdir(), 'agentproof-http-'));
    agent = await parseAgent(
      `name: webhooks
description: Webhook tools for tests.
topics:
  - name: all
    description: Everything.
actions:
  - name: echo
    description: Echoes.
    input: { type: object, properties: { order_id: { type: string } }, required: [order_id] }
    implementation:
      type: http
      url: ${base}/echo
      headers: { Authorization: "Bearer \${env.AGENTPROOF_TEST_TOKEN}" }
  - name: flaky
    description: Fails twice with 503.
    implementation: { type: http, url: ${base}/flaky, retries: 2 }
  - name: missing
    description: Answers 404.
    implementation: { type: http, url: ${base}/missing, retries: 3 }
  - name: slow
    description: Never answers.
    implementation: { type: http, url: ${base}/slow, timeoutMs: 100, retries: 0 }
  - name: text
    description: Answers text with GET.
    input: { type: object, properties: { q: { type: string }, n: { type: integer } } }
    implementation: { type: http, method: GET, url: ${base}/text }
  - name: needs_secret
    description: Uses a header from an unset variable.
    implementation: { type: http, url: ${base}/echo, headers: { X-Api-Key: "\${env.AGENTPROOF_TEST_UNSET_KEY}" } }
`,
      path.join(tmp, 'agent.yaml'),
    );
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  test('posts the arguments with headers read from the environment at call time', async () => {
    process.env.AGENTPROOF_TEST_TOKEN = 'first';
    await invokeAction(agent, actionOf(agent, 'echo'), { order_id: 'A1' }, ctx);
    process.env.AGENTPROOF_TEST_TOKEN = 'rotated';
    const result = await invokeAction(agent, actionOf(agent, 'echo'), { order_id: 'A2' }, ctx);
    delete process.env.AGENTPROOF_TEST_TOKEN;
    assert.deepEqual(result, { got: { order_id: 'A2' }, auth: 'Bearer rotated' });
    const last = seen.at(-1);
    assert.equal(last?.method, 'POST');
    assert.equal(last?.headers['x-agentproof-session'], 'sess_test');
  });

  test('names the environment variable a header needs when it is not set', async () => {
    const before = hits.get('/echo') ?? 0;
    const err = await actionError(invokeAction(agent, actionOf(agent, 'needs_secret'), {}, ctx));
    assert.match(err.message, /AGENTPROOF_TEST_UNSET_KEY is not set/);
    assert.equal(hits.get('/echo') ?? 0, before, 'no request is made');
  });

  test('retries a 503 and returns the answer that follows, with one idempotency key', async () => {
    const result = await invokeAction(agent, actionOf(agent, 'flaky'), {}, ctx);
    assert.deepEqual(result, { ok: true, attempt: 3 });
    const keys = new Set(seen.filter((s) => s.url === '/flaky').map((s) => s.headers['idempotency-key']));
    assert.equal(keys.size, 1);
  });

  test('reports a 404 with its status and body, without retrying', async () => {
    const err = await actionError(invokeAction(agent, actionOf(agent, 'missing'), {}, ctx));
    assert.match(err.message, /404/);
    assert.match(err.message, /order not found in the shop system/);
    assert.equal(hits.get('/missing'), 1);
  });

  test('reports a timeout as an ActionError', async () => {
    const err = await actionError(invokeAction(agent, actionOf(agent, 'slow'), {}, ctx));
    assert.match(err.message, /timed out after 100 ms/);
  });

  test('sends GET arguments as query parameters and returns a text answer as text', async () => {
    const result = await invokeAction(agent, actionOf(agent, 'text'), { q: 'tent poles', n: 2 }, ctx);
    assert.equal(result, 'plain answer');
    assert.equal(seen.at(-1)?.url, '/text?q=tent+poles&n=2');
  });
});
