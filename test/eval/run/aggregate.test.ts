import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, type CaseResult } from '../../../src/eval/run/aggregate.ts';
import { evaluateGate } from '../../../src/eval/run/gate.ts';
import { summarize } from '../../../src/eval/run/summary.ts';

function result(over: Partial<CaseResult> & { caseId: string }): CaseResult {
  return { repeat: 1, passed: true, rootCause: null, scores: [], latencyMs: 100, costUsd: 0, tokens: 10, expectedTopic: undefined, topic: null, traceIds: [], tags: [], ...over };
}
const score = (evaluator: string, value: number | null, passed: boolean | null) => ({ evaluator, score: value, passed, threshold: 0.5, reason: '' });

test('aggregates count metrics, topics and root causes', () => {
  const results = [
    result({ caseId: 'a', expectedTopic: 'billing', topic: 'billing', scores: [score('topic_match', 1, true)] }),
    result({ caseId: 'b', expectedTopic: 'billing', topic: 'shipping', passed: false, rootCause: { stage: 'route', reason: 'wrong topic' }, scores: [score('topic_match', 0, false)] }),
    result({ caseId: 'c', expectedTopic: null, topic: null, scores: [score('topic_match', 1, true), score('faithfulness', null, null)] }),
  ];
  const agg = aggregate(results);
  assert.equal(agg.cases, 3);
  assert.equal(agg.passed, 2);
  assert.deepEqual(agg.topics, [{ topic: 'billing', cases: 2, accuracy: 0.5 }, { topic: 'off_topic', cases: 1, accuracy: 1 }]);
  assert.deepEqual(agg.rootCauses, [{ stage: 'route', failures: 1 }]);
  const topic = agg.metrics.find((m) => m.metric === 'topic_match')!;
  assert.equal(topic.cases, 3);
  assert.equal(topic.mean?.value, 0.6667);
  assert.equal(agg.metrics.find((m) => m.metric === 'faithfulness')?.cases, 0);
});

test('a gate passes only when every criterion is met on enough cases', () => {
  const results = Array.from({ length: 10 }, (_, i) => result({ caseId: `c${i}`, latencyMs: 100 * (i + 1), scores: [score('topic_match', i < 9 ? 1 : 0, i < 9)] }));
  const ok = evaluateGate([{ metric: 'topic_match', aggregate: 'mean', op: '>=', threshold: 0.9, minCases: 10 }, { metric: 'latency_ms', aggregate: 'p95', op: '<=', threshold: 1000 }], results);
  assert.equal(ok.passed, true);
  assert.deepEqual(ok.criteria.map((c) => c.value), [0.9, 1000]);

  const tooFew = evaluateGate([{ metric: 'topic_match', aggregate: 'mean', op: '>=', threshold: 0.5, minCases: 20 }], results);
  assert.equal(tooFew.passed, false);
  assert.match(tooFew.criteria[0].reason, /only 10 scored case\(s\), the gate needs 20/);

  const strict = evaluateGate([{ metric: 'topic_match', aggregate: 'pass_rate', op: '>=', threshold: 0.95 }], results);
  assert.equal(strict.passed, false);
  assert.match(strict.criteria[0].reason, /not met/);
});

test('repeats give agreement and pass^k', () => {
  const results = [
    result({ caseId: 'a', repeat: 1 }), result({ caseId: 'a', repeat: 2 }),
    result({ caseId: 'b', repeat: 1 }), result({ caseId: 'b', repeat: 2, passed: false, rootCause: { stage: 'respond', reason: 'x' } }),
  ];
  const s = summarize(results, [], 2);
  assert.deepEqual(s.consistency, { repeats: 2, agreement: 0.5, passAll: 0.5, passAny: 1 });
  assert.equal(s.failed.length, 1);
  assert.equal(s.gate.passed, true);
});
