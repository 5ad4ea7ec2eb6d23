import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rng } from '../../../src/core/random.ts';
import type { Score } from '../../../src/eval/contracts.ts';
import type { CaseResult } from '../../../src/eval/run/aggregate.ts';
import { VerdictLog } from '../../../src/eval/run/verdict-log.ts';

const EVALUATORS = ['topic_match', 'contains', 'local_judge', 'correctness', 'latency_ms'];

/** Results of every shape a run produces: missing and erroring evaluators, nulls, repeats, tags, traces. */
function randomResults(n: number, seed: number): CaseResult[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const tagLists = [[], ['smoke'], ['smoke', 'returns'], ['multi-turn']];
  return Array.from({ length: n }, (_, i): CaseResult => {
    const scores: Score[] = EVALUATORS.filter(() => random() < 0.7)
      .sort(() => random() - 0.5)
      .map((evaluator): Score => {
        const kind = random();
        if (kind < 0.1) return { evaluator, score: null, passed: null, threshold: 0.7, reason: 'judge said nothing', error: `malformed verdict ${i}` };
        if (kind < 0.2) return { evaluator, score: null, passed: null, threshold: 1, reason: 'not applicable' };
        const score = evaluator === 'latency_ms' ? 100 + random() * 900 : random();
        return { evaluator, score, passed: score >= 0.5, threshold: 0.5, reason: `why ${i}` };
      });
    const passed = random() < 0.6;
    return {
      caseId: `case-${String(Math.floor(i / 2)).padStart(4, '0')}`,
      repeat: (i % 2) + 1,
      passed,
      rootCause: passed ? null : { stage: pick(['route', 'respond', 'guard'] as const), reason: `failed ${i}` },
      scores,
      latencyMs: random() * 3000,
      costUsd: random() / 1000,
      tokens: Math.floor(random() * 5000),
      expectedTopic: pick([undefined, null, 'returns', 'orders']),
      topic: pick([null, 'returns', 'orders']),
      traceIds: random() < 0.5 ? [] : [`tr_${i}`, `tr_${i}b`],
      tags: pick(tagLists),
    };
  });
}

test('every verdict comes back as it went in, in case order, with its scores in their order and without reasons', () => {
  const results = randomResults(2000, 7);
  const log = new VerdictLog();
  // in an order unlike the case order, as concurrent workers finish
  for (const r of [...results].reverse()) log.add(r);
  const expected = results
    .map((r) => ({ ...r, scores: r.scores.map((s) => ({ ...s, reason: '' })) }))
    .sort((a, b) => a.caseId.localeCompare(b.caseId) || a.repeat - b.repeat);
  assert.deepEqual(log.results(), expected);
  assert.equal(log.size, 2000);
  assert.equal(log.passed, results.filter((r) => r.passed).length);
  assert.ok(Math.abs(log.costUsd - results.reduce((n, r) => n + r.costUsd, 0)) < 1e-12);
});

test('an empty log has no results', () => {
  const log = new VerdictLog();
  assert.deepEqual(log.results(), []);
  assert.equal(log.passed, 0);
});
