import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapMean, cohensKappa, maxOf, minOf, nearestRank, percentile, spearman } from '../../src/core/stats.ts';

test('percentiles are by nearest rank, in any order, and 0 for no values', () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 90), 9);
  assert.equal(percentile(values, 95), 10);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([], 50), 0);
  assert.equal(nearestRank([1, 2, 3, 4], 25), 1);
  assert.deepEqual(values, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 'the input is not reordered');
});

test('min and max take arrays too long to spread into Math.min', () => {
  const many = Array.from({ length: 300_000 }, (_, i) => i - 1000);
  assert.equal(maxOf(many), 298_999);
  assert.equal(minOf(many), -1000);
});

test('the bootstrap interval holds the mean, is the same on every call, and narrows with more cases', () => {
  const few = [1, 0, 1, 1, 0];
  const many = Array.from({ length: 200 }, (_, i) => (i % 5 < 3 ? 1 : 0));
  const a = bootstrapMean(few)!;
  assert.deepEqual(bootstrapMean(few), a);
  assert.ok(a.low <= a.value && a.value <= a.high);
  const b = bootstrapMean(many)!;
  assert.equal(b.value, 0.6);
  assert.ok(b.high - b.low < a.high - a.low);
  assert.equal(bootstrapMean([]), null);
  assert.deepEqual(bootstrapMean([0.7]), { value: 0.7, low: 0.7, high: 0.7 });
  assert.deepEqual(bootstrapMean([0.4, 0.4, 0.4]), { value: 0.4, low: 0.4, high: 0.4 });
});

// The bootstrap of a mean of n values is close to the normal interval mean ± 1.96·sd/√n.
function normalHalfWidth(xs: number[]): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
  return 1.96 * Math.sqrt(variance / xs.length);
}

test('pass/fail values, drawn as binomial counts, give the same interval the resampling does', () => {
  const passFail = Array.from({ length: 1000 }, (_, i) => (i % 5 < 3 ? 1 : 0));
  const fast = bootstrapMean(passFail)!;
  const h = normalHalfWidth(passFail);
  assert.ok(Math.abs(fast.low - (0.6 - h)) < 0.005 && Math.abs(fast.high - (0.6 + h)) < 0.005, JSON.stringify({ fast, h }));
  // A third level sends the same data through element-by-element resampling: the intervals agree.
  const resampled = bootstrapMean([...passFail.slice(1), 0.5])!;
  assert.ok(Math.abs(resampled.low - fast.low) < 0.006 && Math.abs(resampled.high - fast.high) < 0.006, JSON.stringify({ fast, resampled }));
});

test('two levels other than 0 and 1 are scaled between them', () => {
  const xs = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 0.2 : 0.8));
  const r = bootstrapMean(xs)!;
  const h = normalHalfWidth(xs);
  assert.equal(r.value, 0.65);
  assert.ok(Math.abs(r.low - (0.65 - h)) < 0.006 && Math.abs(r.high - (0.65 + h)) < 0.006, JSON.stringify({ r, h }));
});

test('a very large pass/fail sample does not underflow to a degenerate interval', () => {
  const xs = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? 1 : 0));
  const r = bootstrapMean(xs)!;
  const h = normalHalfWidth(xs);
  assert.ok(r.low < 0.5 && r.high > 0.5);
  assert.ok(Math.abs(r.high - r.low - 2 * h) < 0.002, JSON.stringify({ r, h }));
});

test("Cohen's kappa discounts the agreement two raters' base rates give by chance", () => {
  const T = true;
  const F = false;
  // Agree on 4 of 6; each says yes 4 times, so chance alone agrees on 20/36: (4/6 − 20/36) / (1 − 20/36) = 0.25.
  assert.ok(Math.abs(cohensKappa([T, T, T, T, F, F], [T, T, T, F, F, T])! - 0.25) < 1e-12);
  assert.equal(cohensKappa([T, F, T, F], [T, F, T, F]), 1);
  assert.equal(cohensKappa([T, F, T, F], [F, T, F, T]), -1);
  // One rater always says yes: agreeing 3 times in 4 is exactly chance.
  assert.equal(cohensKappa([T, T, T, T], [T, T, T, F]), 0);
  assert.equal(cohensKappa([T, T], [T, T]), null, 'undefined when both only ever said the same verdict');
  assert.equal(cohensKappa([], []), null);
  assert.throws(() => cohensKappa([T], []), /paired verdicts, got 1 and 0/);
});

test("Spearman's correlation ranks ties by their mean rank and is null where it is undefined", () => {
  // ranks of y with the tie at 7: 1, 2, 3.5, 5, 3.5 → r = 8 / √95
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])! - 8 / Math.sqrt(95)) < 1e-12);
  assert.equal(spearman([0.1, 0.5, 0.9], [10, 20, 30]), 1, 'only the order matters, not the scale');
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.equal(spearman([1, 2], [1, 2]), null);
  assert.equal(spearman([1, 2, 3], [4, 4, 4]), null);
  assert.throws(() => spearman([1, 2, 3], [1, 2]), /paired values, got 3 and 2/);
});
