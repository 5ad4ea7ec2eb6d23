import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChatService } from '../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { syncAgentKnowledge } from '../../src/knowledge/ingest.ts';
import { createApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';

const agentDir = fileURLToPath(new URL('../fixtures/agents/mini-knowledge/', import.meta.url));
const suiteYaml = [
  'name: api-suite',
  'gate:',
  '  - topic_match mean >= 0.5',
  'cases:',
  '  - { utterance: "How often should I sharpen the mower blade?", expectedTopic: garden, mustInclude: ["25 hours"] }',
  '  - { utterance: "Can the cast iron pan go in the dishwasher?", expectedTopic: kitchen }',
  '  - { utterance: "How do I store pruning shears over winter?", expectedTopic: kitchen }',
].join('\n');

describe('the test-run API', () => {
  let db: Db;
  let server: RunningServer;
  const api = async (path: string, init?: { method?: string; body?: unknown }) => {
    const res = await fetch(`${server.url}${path}`, { method: init?.method ?? 'GET', headers: { 'content-type': 'application/json' }, body: init?.body === undefined ? undefined : JSON.stringify(init.body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  before(async () => {
    db = await openStore({ memory: true });
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, await agents.addRef(agentDir));
    server = await listen(createApp({ chat: new ChatService(db, agents, DEFAULT_PROJECT_ID) }), '127.0.0.1', 0);
  });
  after(async () => {
    await server.close();
    await db.close();
  });

  /** Follows a run until it is no longer running (at most 5 s). */
  async function finished(run: any): Promise<any> {
    for (let i = 0; i < 200 && run.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      run = (await api(`/v1/test-runs/${run.id}`)).body;
    }
    return run;
  }

  test('starts a run with 202, shows its progress and then its summary and results', async () => {
    const started = await api('/v1/test-runs', { method: 'POST', body: { agent: 'mini-knowledge', suite: suiteYaml } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.status, 'running');
    assert.equal(started.body.caseCount, 3);
    const run = await finished(started.body);
    assert.equal(run.status, 'completed');
    assert.equal(run.done, 3);
    assert.equal(run.summary.gate.passed, true);
    assert.equal(run.summary.passed, 2);
    const results = (await api(`/v1/test-runs/${run.id}/results`)).body.results;
    assert.equal(results.length, 3);
    assert.equal(results.find((r: any) => r.caseId === 'case-3').rootCause.stage, 'route');
    const listed = (await api('/v1/test-runs?suite=api-suite')).body.runs;
    assert.deepEqual(listed.map((r: any) => r.id), [run.id]);
  });

  test('takes the suite as a JSON object too', async () => {
    const started = await api('/v1/test-runs', { method: 'POST', body: { agent: 'mini-knowledge', suite: { name: 'as-json', cases: [{ utterance: 'How do I sharpen the chef knife?', expectedTopic: 'kitchen' }] } } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.suiteName, 'as-json');
    const run = await finished(started.body);
    assert.deepEqual([run.status, run.done, run.summary.passed], ['completed', 1, 1]);
    const [result] = (await api(`/v1/test-runs/${run.id}/results`)).body.results;
    assert.equal(result.topic, 'kitchen');
  });

  test('answers 400 naming the line of a bad suite, 404 for an unknown agent or run', async () => {
    const bad = await api('/v1/test-runs', { method: 'POST', body: { agent: 'mini-knowledge', suite: 'name: x\ncases:\n  - { expectedTopic: garden }\n' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.issues.map((i: any) => [i.file, i.line, i.path]), [['suite.yaml', 3, 'cases[0]']]);
    assert.equal((await api('/v1/test-runs', { method: 'POST', body: { agent: 'nobody', suite: suiteYaml } })).status, 404);
    assert.equal((await api('/v1/test-runs/run_missing')).status, 404);
    const doc = (await api('/v1/openapi.json')).body;
    assert.ok(doc.paths['/v1/test-runs/{id}/results']);
  });
});
