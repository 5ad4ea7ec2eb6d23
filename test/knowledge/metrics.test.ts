import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateRun, ndcgAt, recallAt, reciprocalRankAt, type Qrels } from '../../src/knowledge/metrics.ts';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

// Grades: a 2, b 1, c 0 (judged not relevant), d 1.
const judged = new Map([['a', 2], ['b', 1], ['c', 0], ['d', 1]]);

test('nDCG uses the grade as gain and a log2 discount, over the ideal ordering of the judged documents', () => {
  // Ranking x, a, c, b: DCG = 2/log2(3) + 1/log2(5); ideal a, b, d: 2 + 1/log2(3) + 1/log2(4).
  const dcg = 2 / Math.log2(3) + 1 / Math.log2(5);
  const idcg = 2 + 1 / Math.log2(3) + 1 / 2;
  close(ndcgAt(['x', 'a', 'c', 'b'], judged, 10), dcg / idcg);
  // Cut at 2: only x and a count, and the ideal is cut at 2 as well.
  close(ndcgAt(['x', 'a', 'c', 'b'], judged, 2), (2 / Math.log2(3)) / (2 + 1 / Math.log2(3)));
  close(ndcgAt(['a', 'b', 'd'], judged, 10), 1);
  close(ndcgAt(['c', 'x'], judged, 10), 0);
  close(ndcgAt(['a'], new Map([['a', 0]]), 10), 0);
});

test('recall counts documents graded 1 or more among the top k', () => {
  close(recallAt(['x', 'a', 'c', 'b'], judged, 10), 2 / 3);
  close(recallAt(['x', 'a', 'c', 'b'], judged, 2), 1 / 3);
  close(recallAt(['c'], judged, 10), 0);
  close(recallAt(['a', 'a', 'a'], judged, 10), 1 / 3);
});

test('reciprocal rank is one over the rank of the first relevant document within k', () => {
  close(reciprocalRankAt(['c', 'x', 'b', 'a'], judged, 10), 1 / 3);
  close(reciprocalRankAt(['c', 'x', 'b', 'a'], judged, 2), 0);
  close(reciprocalRankAt(['a'], judged, 1), 1);
});

test('a run is averaged over every judged query, a query without a ranking counting 0', () => {
  const qrels: Qrels = new Map([
    ['q1', new Map([['a', 1]])],
    ['q2', new Map([['b', 1], ['c', 1]])],
    ['q3', new Map([['z', 1]])],
  ]);
  const run = new Map([
    ['q1', ['a', 'x']],
    ['q2', ['x', 'c']],
    ['unjudged', ['a']],
  ]);
  const m = evaluateRun(run, qrels, 1);
  assert.equal(m.queries, 3);
  close(m.ndcg, (1 + 0 + 0) / 3);
  close(m.recall, (1 + 0 + 0) / 3);
  close(m.recallAt100, (1 + 0.5 + 0) / 3);
  close(m.mrr, (1 + 0 + 0) / 3);
  assert.deepEqual(evaluateRun(run, new Map(), 10), { ndcg: 0, recall: 0, recallAt100: 0, mrr: 0, queries: 0 });
});
