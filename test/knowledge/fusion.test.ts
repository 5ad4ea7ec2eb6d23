import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import { reciprocalRankFusion } from '../../src/knowledge/fusion.ts';

interface Hit {
  id: number;
  from: string;
}
const hits = (from: string, ...ids: number[]): Hit[] => ids.map((id) => ({ id, from }));

test('an item ranked well in both lists beats one ranked first in only one', () => {
  const lexical = hits('bm25', 1, 2, 3);
  const vector = hits('vector', 2, 4, 1);
  const fused = reciprocalRankFusion([lexical, vector], { key: (h) => h.id });
  assert.deepEqual(fused.map((f) => f.item.id), [2, 1, 4, 3]);
  const two = fused[0];
  assert.equal(two.score, 1 / 62 + 1 / 61);
  assert.deepEqual(two.ranks, [2, 1]);
  assert.equal(two.item.from, 'bm25', 'the item is kept from the first list naming it');
  assert.deepEqual(fused.map((f) => f.rank), [1, 2, 3, 4]);
  assert.deepEqual(fused.find((f) => f.item.id === 3)!.ranks, [3, null]);
});

test('k, weights and limit change the fusion as documented', () => {
  const a = hits('a', 1, 2);
  const b = hits('b', 2, 1);
  // Equal weights tie 1 and 2; the tie goes to the better single rank, then to the earlier seen.
  assert.deepEqual(reciprocalRankFusion([a, b], { key: (h) => h.id }).map((f) => f.item.id), [1, 2]);
  assert.deepEqual(reciprocalRankFusion([a, b], { key: (h) => h.id, weights: [1, 2] }).map((f) => f.item.id), [2, 1]);
  const sharp = reciprocalRankFusion([a], { key: (h) => h.id, k: 0 });
  assert.deepEqual(sharp.map((f) => f.score), [1, 1 / 2]);
  assert.equal(reciprocalRankFusion([a, b], { key: (h) => h.id, limit: 1 }).length, 1);
});

test('a list naming an item twice counts only its better rank', () => {
  const fused = reciprocalRankFusion([hits('a', 7, 7, 8)], { key: (h) => h.id });
  assert.deepEqual(fused.map((f) => [f.item.id, f.score]), [[7, 1 / 61], [8, 1 / 63]]);
});

test('no lists fuse to nothing, and a weight count that does not match the lists is refused', () => {
  assert.deepEqual(reciprocalRankFusion([], { key: (h: Hit) => h.id }), []);
  assert.throws(() => reciprocalRankFusion([hits('a', 1)], { key: (h) => h.id, weights: [1, 1] }), InputError);
  assert.throws(() => reciprocalRankFusion([hits('a', 1)], { key: (h) => h.id, k: -1 }), /k must be a number ≥ 0/);
});
