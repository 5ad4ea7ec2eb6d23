import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ChatService } from '../../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../../src/agent/registry.ts';
import type { PreparedAgent } from '../../../src/agent/runtime/prepared-agent.ts';
import type { Suite } from '../../../src/eval/contracts.ts';
import { builtinEvaluators } from '../../../src/eval/evaluators/registry.ts';
import { runSuite } from '../../../src/eval/run/runner.ts';
import { getRun, resultsOf } from '../../../src/eval/run/store.ts';
import { agentTarget, type Target } from '../../../src/eval/targets/agent.ts';
import { syncAgentKnowledge } from '../../../src/knowledge/ingest.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../../src/store/db.ts';
import { openStore } from '../../../src/store/open.ts';

const agentDir = fileURLToPath(new URL('../../fixtures/agents/mini-knowledge/', import.meta.url));

function suite(n: number): Suite {
  const questions = ['How often should I sharpen the mower blade?', 'Can the cast iron pan go in the dishwasher?', 'How do I store pruning shears over winter?'];
  return {
    name: 'mini',
    file: 'mini.yaml',
    version: 'v1',
    evaluators: {},
    gate: [{ metric: 'topic_match', aggregate: 'mean', op: '>=', threshold: 0.5 }],
    cases: Array.from({ length: n }, (_, i) => ({
      id: `case-${String(i + 1).padStart(2, '0')}`,
      utterance: questions[i % questions.length],
      expectedTopic: i % 3 === 1 ? 'kitchen' : 'garden',
      expectedSources: [i % 3 === 1 ? 'pans.md' : i % 3 === 0 ? 'mower.md' : 'shears.md'],
      tags: [],
      location: { file: 'mini.yaml', line: i + 1 },
    })),
  };
}

describe('the batch runner', () => {
  let db: Db;
  let agent: PreparedAgent;
  let target: Target;
  before(async () => {
    db = await openStore({ memory: true });
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    agent = await agents.addRef(agentDir);
    await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
    target = agentTarget({ chat: new ChatService(db, agents, DEFAULT_PROJECT_ID), db, projectId: DEFAULT_PROJECT_ID, agentName: agent.definition.name, agentVersion: agent.version });
  });
  after(() => db.close());
  const run = (s: Suite, extra: Partial<Parameters<typeof runSuite>[4]> = {}) =>
    runSuite(db, s, target, builtinEvaluators(), { projectId: DEFAULT_PROJECT_ID, agent: { name: agent.definition.name, version: agent.version, models: {} }, concurrency: 3, ...extra });

  test('scores every case, stores each result with its traces, and summarises the run', async () => {
    const { run: row, summary, results } = await run(suite(6));
    assert.equal(results.length, 6);
    assert.equal(summary.gate.passed, true);
    const stored = await resultsOf(db, DEFAULT_PROJECT_ID, row.id);
    assert.deepEqual(stored.map((r) => r.caseId), ['case-01', 'case-02', 'case-03', 'case-04', 'case-05', 'case-06']);
    assert.ok(stored.every((r) => r.traceIds.length === 1 && r.scores.some((s) => s.evaluator === 'topic_match')));
    assert.equal((await getRun(db, DEFAULT_PROJECT_ID, row.id)).status, 'completed');
    assert.equal(stored[0].output.retrieved[0].document, 'mower.md');
  });

  test('an interrupted run keeps its results and resumes with only the missing cases', async () => {
    const abort = new AbortController();
    let runId = '';
    await assert.rejects(
      run(suite(9), {
        concurrency: 1,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.done === 4) abort.abort(new Error('stop'));
        },
      }),
      /stop/,
    );
    const [latest] = await db.query<{ id: string; status: string }>(`SELECT id, status FROM eval_runs ORDER BY started_at DESC LIMIT 1`);
    runId = latest.id;
    assert.equal(latest.status, 'interrupted');
    assert.equal((await resultsOf(db, DEFAULT_PROJECT_ID, runId)).length, 4);

    let ran = 0;
    const resumed = await run(suite(9), { resume: runId, onProgress: () => ran++ });
    assert.equal(ran, 5, 'only the five missing cases ran');
    assert.equal(resumed.results.length, 9);
    assert.equal((await getRun(db, DEFAULT_PROJECT_ID, runId)).status, 'completed');
    await assert.rejects(run(suite(9), { resume: runId }), /already complete/);
    await assert.rejects(run({ ...suite(9), version: 'v2' }, { resume: runId }), /suite mini changed/);
  });

  test('repeats run every case k times and report consistency', async () => {
    const { summary, results } = await run(suite(3), { repeat: 3 });
    assert.equal(results.length, 9);
    assert.equal(summary.consistency?.repeats, 3);
    assert.equal(summary.consistency?.agreement, 1, 'the local models answer the same every time');
  });
});
