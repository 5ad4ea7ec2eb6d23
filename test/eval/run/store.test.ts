import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRun, insertResults, resultsOf, verdictsOf, type StoredResult } from '../../../src/eval/run/store.ts';
import { errorOutput } from '../../../src/eval/targets/request.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../../src/store/db.ts';
import { storeVariants } from '../../helpers/stores.ts';

function result(caseId: string, repeat: number, expectedTopic: string | null | undefined): StoredResult {
  return {
    caseId,
    repeat,
    passed: false,
    rootCause: { stage: 'route', reason: 'topic_match: routed to billing' },
    scores: [
      { evaluator: 'topic_match', score: 0, passed: false, threshold: 1, reason: 'expected returns, routed to billing' },
      { evaluator: 'correctness', score: null, passed: null, threshold: 0.7, reason: '', error: 'malformed judge verdict: not JSON' },
    ],
    latencyMs: 40.25,
    costUsd: 0.002,
    tokens: 17,
    expectedTopic,
    topic: 'billing',
    traceIds: [`tr_${caseId}_${repeat}`],
    tags: ['smoke'],
    output: { ...errorOutput('unused', 40.25), reply: 'a long reply '.repeat(50) },
  };
}

for (const variant of storeVariants()) {
  describe(`run results on ${variant.name}`, () => {
    let db: Db;
    const inserted = [result('b', 1, undefined), result('a', 2, null), result('a', 1, 'returns')];
    before(async () => {
      db = await variant.open();
      await createRun(db, { id: 'run_verdicts', projectId: DEFAULT_PROJECT_ID, suiteName: 's', suiteFile: 's.yaml', suiteVersion: 'v1', agentName: 'a', agentVersion: 'v1', models: {}, repeats: 2, caseCount: 2, config: {} });
      await insertResults(db, DEFAULT_PROJECT_ID, 'run_verdicts', inserted);
    });
    after(() => db.close());

    test('verdicts come back in case order without outputs or reasons, keeping evaluator errors and every measurement', async () => {
      const verdicts = await verdictsOf(db, DEFAULT_PROJECT_ID, 'run_verdicts');
      const expected = [inserted[2], inserted[1], inserted[0]].map(({ output: _output, ...r }) => ({ ...r, scores: r.scores.map((s) => ({ ...s, reason: '' })) }));
      assert.deepEqual(verdicts, expected);
      assert.equal(verdicts[0].scores[1].error, 'malformed judge verdict: not JSON');
      // the whole results still hold what the verdicts leave out
      const whole = await resultsOf(db, DEFAULT_PROJECT_ID, 'run_verdicts');
      assert.ok(whole.every((r) => r.output.reply?.startsWith('a long reply') && r.scores[0].reason === 'expected returns, routed to billing'));
    });
  });
}
