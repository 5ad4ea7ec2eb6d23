import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Score } from '../../../src/eval/contracts.ts';
import type { CaseResult } from '../../../src/eval/run/aggregate.ts';
import { judgeAgreement } from '../../../src/eval/run/agreement.ts';

const score = (evaluator: string, value: number | null, passed: boolean | null, error?: string): Score => ({ evaluator, score: value, passed, threshold: 0.5, reason: '', ...(error ? { error } : {}) });
const result = (id: string, scores: Score[]): CaseResult => ({
  caseId: id, repeat: 1, passed: true, rootCause: null, scores, latencyMs: 1, costUsd: 0, tokens: 0, expectedTopic: undefined, topic: null, traceIds: [], tags: [],
});

test('compares the judge with each other evaluator on the cases both gave a verdict, counting where they part', () => {
  const results = [
    result('a', [score('local_judge', 0.9, true), score('correctness', 0.95, true)]),
    result('b', [score('local_judge', 0.8, true), score('correctness', 0.9, true)]),
    result('c', [score('local_judge', 0.7, true), score('correctness', 0.3, false)]),
    result('d', [score('local_judge', 0.2, false), score('correctness', 0.8, true)]),
    result('e', [score('local_judge', 0.1, false), score('correctness', 0.1, false)]),
    result('f', [score('local_judge', 0.6, true), score('correctness', 0.85, true)]),
    // no verdict on one side: an evaluator error, a case it does not apply to
    result('g', [score('local_judge', 0.9, true), score('correctness', null, null, 'malformed judge verdict')]),
    result('h', [score('local_judge', null, null), score('correctness', 0.9, true)]),
    result('i', [score('correctness', 0.9, true)]),
  ];
  const [a] = judgeAgreement(results, 'local_judge', ['correctness', 'faithfulness']);
  assert.deepEqual(a, {
    judge: 'local_judge',
    with: 'correctness',
    cases: 6,
    // verdicts agree on a, b, e, f; each side says pass 4 times in 6 → kappa 0.25
    agreement: 0.6667,
    kappa: 0.25,
    // ranks 6 5 4 2 1 3 against 6 5 2 3 1 4: Σd² = 6, so r = 1 − 6·6 / (6·35)
    rankCorrelation: 0.8286,
    judgeOnlyPassed: 1,
    judgeOnlyFailed: 1,
  });
});

test('an evaluator that scored none of the cases the judge scored is left out', () => {
  const results = [result('a', [score('local_judge', 1, true), score('faithfulness', 1, true)]), result('b', [score('correctness', 1, true)])];
  assert.deepEqual(judgeAgreement(results, 'local_judge', ['correctness']), []);
  assert.equal(judgeAgreement(results, 'local_judge', ['correctness', 'faithfulness'])[0].with, 'faithfulness');
});
