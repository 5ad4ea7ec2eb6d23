import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaseResult } from '../../../src/eval/run/aggregate.ts';
import { compareRuns, pairedPValue } from '../../../src/eval/run/compare.ts';

const result = (caseId: string, passed: boolean, score: number, repeat = 1): CaseResult => ({
  caseId, repeat, passed, rootCause: passed ? null : { stage: 'respond', reason: 'x' },
  scores: [{ evaluator: 'contains', score, passed, threshold: 1, reason: '' }],
  latencyMs: 1, costUsd: 0, tokens: 0, expectedTopic: undefined, topic: null, traceIds: [], tags: [],
});

test('the paired test finds no change in identical runs and a consistent one in a shifted run', () => {
  assert.equal(pairedPValue([0, 0, 0]), 1);
  // 8 cases all better: exact p = 2 / 2^8
  assert.equal(pairedPValue([0.1, 0.2, 0.1, 0.3, 0.1, 0.2, 0.1, 0.1]), 2 / 256);
  // mixed signs of equal size: no evidence
  assert.equal(pairedPValue([0.5, -0.5, 0.5, -0.5]), 1);
  // larger samples use seeded resampling and give the same answer every time
  const many = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? -0.1 : 0.2));
  assert.equal(pairedPValue(many), pairedPValue(many));
  assert.ok(pairedPValue(many) < 0.001);
});

test('a comparison lists regressed and fixed cases and the change of each metric on shared cases', () => {
  const baseline = [result('a', true, 1), result('b', false, 0), result('c', true, 1), result('gone', true, 1)];
  const current = [result('a', false, 0), result('b', true, 1), result('c', true, 1), result('new', true, 1)];
  const cmp = compareRuns('run_base', baseline, current);
  assert.deepEqual(cmp.regressed, ['a']);
  assert.deepEqual(cmp.fixed, ['b']);
  assert.deepEqual(cmp.added, ['new']);
  assert.deepEqual(cmp.removed, ['gone']);
  const contains = cmp.metrics.find((m) => m.metric === 'contains')!;
  assert.deepEqual({ cases: contains.cases, baseline: contains.baseline, current: contains.current, delta: contains.delta }, { cases: 3, baseline: 0.6667, current: 0.6667, delta: 0 });
  assert.equal(contains.significant, false);
});

test('a clear regression over many cases is significant', () => {
  const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
  const baseline = ids.map((id) => result(id, true, 1));
  const current = ids.map((id, i) => result(id, i >= 12, i >= 12 ? 1 : 0));
  const cmp = compareRuns('run_base', baseline, current);
  assert.equal(cmp.regressed.length, 12);
  assert.equal(cmp.passRate?.delta, -0.4);
  assert.equal(cmp.passRate?.significant, true);
});
