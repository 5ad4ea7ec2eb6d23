import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import type { OpenAiTargetConfig, SuiteCase } from '../../../src/eval/contracts.ts';
import { targetSchema } from '../../../src/eval/suite/target-schema.ts';
import { openaiTarget } from '../../../src/eval/targets/openai.ts';
import { startScriptedLlm, type ScriptedLlm } from '../../fixtures/scripted-llm.ts';
import { startJsonServer } from './json-server.ts';

function config(fields: Record<string, unknown>): OpenAiTargetConfig {
  return targetSchema.parse({ type: 'openai', model: 'support-bot', ...fields }) as OpenAiTargetConfig;
}

function caseOf(id: string, turns: string[]): SuiteCase {
  return turns.length === 1
    ? { id, utterance: turns[0], tags: [], location: { file: 'inline.yaml', line: 1 } }
    : { id, conversation: turns.map((content) => ({ role: 'user' as const, content })), tags: [], location: { file: 'inline.yaml', line: 1 } };
}

describe('openai target', () => {
  let llm: ScriptedLlm;
  before(async () => (llm = await startScriptedLlm()));
  beforeEach(() => llm.reset());
  after(() => llm.close());

  test('posts the model, system prompt and message with the key from apiKeyEnv, and reads reply and token usage', async () => {
    llm.enqueue({ text: 'Your order shipped.', usage: { promptTokens: 12, completionTokens: 4 } });
    const target = openaiTarget(config({ baseUrl: `${llm.url}/`, apiKeyEnv: 'BOT_KEY', system: 'You answer order questions.' }), { BOT_KEY: 'sk-test' });
    const out = await target.run(caseOf('a', ['Where is A10244?']));
    assert.equal(out.status, 'completed', out.error ?? '');
    assert.equal(out.reply, 'Your order shipped.');
    assert.equal(out.inputTokens, 12);
    assert.equal(out.outputTokens, 4);
    // A self-hosted model has no list price.
    assert.equal(out.costUsd, 0);
    assert.equal(out.topic, null);
    const [req] = llm.requests;
    assert.equal(req.model, 'support-bot');
    assert.deepEqual(req.messages, [
      { role: 'system', content: 'You answer order questions.' },
      { role: 'user', content: 'Where is A10244?' },
    ]);
    assert.equal(target.label, `support-bot via ${llm.url}/`);
  });

  test('sends the API key as a bearer token and the suite headers, filled from the environment', async () => {
    const seen: Record<string, string | undefined>[] = [];
    const server = await startJsonServer((req) => {
      seen.push({ authorization: req.headers.authorization as string | undefined, team: req.headers['x-team'] as string | undefined });
      return { json: { choices: [{ message: { role: 'assistant', content: 'ok' } }] } };
    });
    try {
      const out = await openaiTarget(config({ baseUrl: `${server.url}/v1`, apiKeyEnv: 'BOT_KEY', headers: { 'X-Team': '${env.TEAM}' } }), { BOT_KEY: 'sk-test', TEAM: 'ops' }).run(caseOf('a', ['hi']));
      assert.equal(out.reply, 'ok');
      assert.deepEqual(seen, [{ authorization: 'Bearer sk-test', team: 'ops' }]);
    } finally {
      await server.close();
    }
  });

  test('reports tool calls as actions with their arguments', async () => {
    llm.enqueue({ toolCalls: [{ name: 'lookup_order', args: { order_id: 'A10244' } }, { name: 'notify', args: {} }] });
    const out = await openaiTarget(config({ baseUrl: llm.url })).run(caseOf('a', ['Where is A10244?']));
    assert.equal(out.status, 'completed', out.error ?? '');
    assert.equal(out.reply, null);
    assert.deepEqual(out.actions, [
      { name: 'lookup_order', args: { order_id: 'A10244' }, ok: true },
      { name: 'notify', args: {}, ok: true },
    ]);
  });

  test('sends every user turn with the conversation so far, including its own earlier replies, and sums the usage', async () => {
    llm.enqueue({ text: 'Which order?', usage: { promptTokens: 5, completionTokens: 2 } }, { text: 'Return started.', usage: { promptTokens: 9, completionTokens: 3 } });
    const out = await openaiTarget(config({ baseUrl: llm.url })).run(caseOf('a', ['I want to return my tent', 'A10336']));
    assert.equal(out.reply, 'Return started.');
    assert.equal(out.inputTokens, 14);
    assert.equal(out.outputTokens, 5);
    assert.equal(llm.requests.length, 2);
    assert.deepEqual(llm.requests[1].messages, [
      { role: 'user', content: 'I want to return my tent' },
      { role: 'assistant', content: 'Which order?' },
      { role: 'user', content: 'A10336' },
    ]);
  });

  test('refuses to start without the API key variable, naming it', () => {
    assert.throws(() => openaiTarget(config({ baseUrl: llm.url, apiKeyEnv: 'MISSING_BOT_KEY' }), {}), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /MISSING_BOT_KEY/);
      assert.equal(err.issues[0].path, 'target.apiKeyEnv');
      return true;
    });
  });

  test('retries a 429 after its Retry-After, and fails the case on a 400 naming the URL', async () => {
    llm.enqueue({ status: 429, retryAfterMs: 0, message: 'slow down' }, { text: 'done' });
    const ok = await openaiTarget(config({ baseUrl: llm.url })).run(caseOf('a', ['hi']));
    assert.equal(ok.reply, 'done');
    assert.equal(llm.requests.length, 2);
    llm.enqueue({ status: 400, message: 'unknown model support-bot' });
    const bad = await openaiTarget(config({ baseUrl: llm.url })).run(caseOf('b', ['hi']));
    assert.equal(bad.status, 'error');
    assert.match(bad.error ?? '', new RegExp(`^POST ${llm.url}/chat/completions: HTTP 400 after 1 attempt: .*unknown model support-bot`));
  });

  test('records a reply withheld by the endpoint content filter as an output guard block, and sends no further turn', async () => {
    const server = await startJsonServer(() => ({
      json: {
        choices: [{ finish_reason: 'content_filter', message: { role: 'assistant', content: null }, content_filter_results: { hate: { filtered: false, severity: 'safe' }, violence: { filtered: true, severity: 'medium' } } }],
      },
    }));
    try {
      const out = await openaiTarget(config({ baseUrl: server.url })).run(caseOf('a', ['first', 'second']));
      assert.equal(out.status, 'completed', out.error ?? '');
      assert.equal(out.reply, null);
      assert.deepEqual(out.blocked, { stage: 'output', reason: "the endpoint's content filter flagged violence (medium)" });
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
    }
  });

  test('records a prompt refused with a content_filter 400 as an input guard block, while any other 400 fails the case', async () => {
    const server = await startJsonServer((req) => {
      const last = (req.body as { messages: { content: string }[] }).messages.at(-1)?.content;
      if (last === 'flagged') {
        return {
          status: 400,
          json: { error: { code: 'content_filter', message: 'The response was filtered due to the prompt triggering the content management policy.', innererror: { content_filter_result: { jailbreak: { filtered: true, detected: true }, hate: { filtered: false } } } } },
        };
      }
      if (last === 'vague') return { status: 400, json: { error: { code: 'content_filter', message: 'The prompt was filtered.' } } };
      return { status: 400, json: { error: { code: 'invalid_request', message: 'bad messages' } } };
    });
    try {
      const target = openaiTarget(config({ baseUrl: server.url }));
      const flagged = await target.run(caseOf('a', ['flagged', 'never sent']));
      assert.equal(flagged.status, 'completed', flagged.error ?? '');
      assert.equal(flagged.reply, null);
      assert.deepEqual(flagged.blocked, { stage: 'input', reason: "the endpoint's content filter flagged jailbreak" });
      assert.equal(server.received.length, 1);
      const vague = await target.run(caseOf('b', ['vague']));
      assert.deepEqual(vague.blocked, { stage: 'input', reason: 'the endpoint refused the prompt: The prompt was filtered.' });
      const other = await target.run(caseOf('c', ['anything']));
      assert.equal(other.status, 'error');
      assert.equal(other.blocked, undefined);
      assert.match(other.error ?? '', /bad messages/);
    } finally {
      await server.close();
    }
  });

  test('fails the case when the reply is not a chat completion', async () => {
    const server = await startJsonServer(() => ({ json: { output: 'hi' } }));
    try {
      const out = await openaiTarget(config({ baseUrl: server.url })).run(caseOf('a', ['hi']));
      assert.equal(out.status, 'error');
      assert.equal(out.error, `POST ${server.url}/chat/completions: not a chat completion: the response has no "choices" (it has output)`);
    } finally {
      await server.close();
    }
  });
});
