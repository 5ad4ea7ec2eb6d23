import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { startJsonServer, type JsonServer } from '../eval/targets/json-server.ts';

/** A stand-in for another team's agent: routes by keyword and answers with the topic it chose. */
function answer(message: string): { reply: string; topic: string | null; tools: string[] } {
  if (/order/i.test(message)) return { reply: 'Order A10244 has shipped.', topic: 'order_status', tools: ['lookup_order'] };
  return { reply: 'I can only help with orders.', topic: null, tools: [] };
}

describe('agentproof test against a suite target', () => {
  let dir: string;
  let server: JsonServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentproof-test-target-'));
    server = await startJsonServer((req) => {
      if (req.headers.authorization !== 'Bearer team-key') return { status: 401, json: { error: 'unauthorized' } };
      return { json: { data: answer((req.body as { message: string }).message) } };
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  function suiteText(): string {
    return [
      'name: external-smoke',
      'target:',
      '  type: http',
      `  url: ${server.url}/chat`,
      '  headers: { Authorization: "Bearer ${env.TEAM_AGENT_KEY}" }',
      '  body: { message: "{{utterance}}", caseId: "{{case.id}}" }',
      '  response: { answer: data.reply, topic: data.topic, actions: data.tools }',
      'gate:',
      '  - topic_match mean >= 1 min 2',
      '  - action_sequence pass_rate >= 1',
      'cases:',
      '  - { id: status, utterance: "Where is my order A10244?", expectedTopic: order_status, expectedActions: [lookup_order], mustInclude: [shipped] }',
      '  - { id: weather, utterance: "What is the weather tomorrow?", expectedTopic: off_topic, expectedActions: [] }',
    ].join('\n');
  }

  test('runs the suite against the HTTP endpoint, records the run under the target and exits 0 when the gate passes', async () => {
    const suite = join(dir, 'external.yaml');
    await writeFile(suite, suiteText());
    const r = await runCli(['test', suite, '--data', join(dir, 'store'), '--json'], cliEnv({ TEAM_AGENT_KEY: 'team-key' }));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { run: { agentName: string; agentVersion: string; models: object; status: string; config: { target: string } }; summary: { cases: number; passed: number; gate: { passed: boolean } } };
    assert.equal(out.run.status, 'completed');
    assert.equal(out.run.agentName, `${server.url}/chat`);
    assert.match(out.run.agentVersion, /^[0-9a-f]{16}$/);
    assert.deepEqual(out.run.models, {});
    assert.equal(out.summary.cases, 2);
    assert.equal(out.summary.passed, 2);
    assert.equal(out.summary.gate.passed, true);
    assert.deepEqual(server.received.map((q) => (q.body as { caseId: string }).caseId).sort(), ['status', 'weather']);
    assert.doesNotMatch(r.stdout, /team-key/);
  });

  test('exits 2 before any request when the key variable is not set, naming it', async () => {
    const suite = join(dir, 'no-key.yaml');
    await writeFile(suite, suiteText());
    const before = server.received.length;
    const r = await runCli(['test', suite, '--data', join(dir, 'store')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /TEAM_AGENT_KEY/);
    assert.match(r.stderr, /target\.headers\.Authorization/);
    assert.equal(server.received.length, before);
  });

  test('exits 1 when the endpoint refuses, with the status in the report', async () => {
    const suite = join(dir, 'wrong-key.yaml');
    await writeFile(suite, suiteText());
    const r = await runCli(['test', suite, '--data', join(dir, 'store')], cliEnv({ TEAM_AGENT_KEY: 'wrong' }));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /gate FAILED/);
    assert.match(r.stdout, /HTTP 401 after 1 attempt/);
  });
});
