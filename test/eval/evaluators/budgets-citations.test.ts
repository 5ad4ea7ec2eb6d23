import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { citationsSupported } from '../../../src/eval/evaluators/citations-supported.ts';
import { costUsd } from '../../../src/eval/evaluators/cost.ts';
import { latencyMs } from '../../../src/eval/evaluators/latency.ts';
import { tokens } from '../../../src/eval/evaluators/tokens.ts';
import type { RagStages } from '../../../src/knowledge/grounding/stages.ts';
import { caseOutput, failedOutput, run, suiteCase } from './cases.ts';

describe('budget evaluators', () => {
  const c = suiteCase();

  test('latency_ms scores the measured time and passes at or under the max', async () => {
    const s = await run(latencyMs, c, caseOutput({ latencyMs: 2400.5 }), { options: { max: 3000 } });
    assert.deepEqual([s.score, s.passed, s.threshold], [2400.5, true, 3000]);
    assert.match(s.reason, /2401 ms ≤ max 3000 ms/);
    assert.equal((await run(latencyMs, c, caseOutput({ latencyMs: 3000 }), { options: { max: 3000 } })).passed, true);
    assert.equal((await run(latencyMs, c, caseOutput({ latencyMs: 3001 }), { options: { max: 3000 } })).passed, false);
  });

  test('tokens adds input and output tokens', async () => {
    const s = await run(tokens, c, caseOutput({ inputTokens: 900, outputTokens: 150 }), { options: { max: 1000 } });
    assert.deepEqual([s.score, s.passed], [1050, false]);
    assert.match(s.reason, /1050 tokens > max 1000 tokens/);
  });

  test('cost_usd reads sub-cent costs, and takes the max from threshold too', async () => {
    const s = await run(costUsd, c, caseOutput({ costUsd: 0.00042 }), { threshold: 0.001 });
    assert.deepEqual([s.score, s.passed, s.threshold], [0.00042, true, 0.001]);
    assert.match(s.reason, /\$0\.00042 ≤ max \$0\.001/);
  });

  test('a failed case is measured like any other', async () => {
    const s = await run(latencyMs, c, { ...failedOutput(), latencyMs: 12 }, { options: { max: 10 } });
    assert.equal(s.passed, false);
  });

  test('apply only where a max is configured; a bad max is an error naming it', async () => {
    for (const e of [latencyMs, tokens, costUsd]) {
      assert.equal(e.appliesTo(c, {}), false, e.name);
      assert.equal(e.appliesTo(c, { options: { max: 1 } }), true, e.name);
    }
    await assert.rejects(async () => run(tokens, c, caseOutput(), { options: { max: -1 } }), /evaluators\.tokens\.options\.max must be a number ≥ 0/);
    await assert.rejects(async () => run(tokens, c, caseOutput(), { enabled: true }), /options\.max is required/);
  });
});

function grounding(made: number, supported: number, unsupported: string[] = [], invalid: number[] = []): RagStages {
  return { grounding: { made, supported, unsupported, invalid, supportRate: made ? supported / made : null } } as RagStages;
}

describe('citations_supported', () => {
  const c = suiteCase({ expectedSources: ['returns-policy.md'] });

  test('scores supported over made citations from the grounding stage', async () => {
    const s = await run(citationsSupported, c, caseOutput({ reply: 'Returns are free [1]. Refunds take 5 days [2].', stages: grounding(2, 1, ['Refunds take 5 days.']) }));
    assert.deepEqual([s.score, s.passed, s.threshold], [0.5, false, 0.8]);
    assert.match(s.reason, /1\/2 citations supported by their passage; unsupported claims: "Refunds take 5 days\."/);
  });

  test('reports markers that cite no passage', async () => {
    const s = await run(citationsSupported, c, caseOutput({ reply: 'Free [1][7].', stages: grounding(2, 1, [], [7]) }));
    assert.match(s.reason, /markers citing no passage: \[7\]/);
  });

  test('falls back to the reply sources without a grounding stage', async () => {
    const sources = [
      { document: 'returns-policy.md', source: 'kb', supported: true },
      { document: 'shipping.md', source: 'kb', supported: true },
    ];
    const s = await run(citationsSupported, c, caseOutput({ reply: 'Free returns [1], fast shipping [2].', sources }));
    assert.deepEqual([s.score, s.passed], [1, true]);
  });

  test('an answer citing nothing fails, unless citations are not required', async () => {
    const out = caseOutput({ topic: 'faq', reply: 'Returns are free within 30 days.' });
    const s = await run(citationsSupported, c, out);
    assert.deepEqual([s.score, s.passed], [0, false]);
    assert.match(s.reason, /answers without citing any source/);
    assert.equal((await run(citationsSupported, c, out, { options: { requireCitations: false } })).passed, null);
  });

  test('an abstention or a missing reply is not applicable', async () => {
    const abstained = await run(citationsSupported, c, caseOutput({ topic: 'faq', reply: "I don't have information about that." }));
    assert.equal(abstained.passed, null);
    assert.match(abstained.reason, /declines for lack of knowledge, citing nothing/);
    assert.equal((await run(citationsSupported, c, failedOutput())).passed, null);
  });

  test('applies to cases that expect sources', () => {
    assert.equal(citationsSupported.appliesTo(suiteCase(), {}), false);
    assert.equal(citationsSupported.appliesTo(c, {}), true);
  });
});
