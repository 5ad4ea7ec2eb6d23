/**
 * The few statistics the platform reports everywhere (eval runs, retrieval evaluation, router
 * training, benches): means, nearest-rank percentiles, bootstrap intervals of a mean, and how far
 * two graders agree.
 */
import { rng } from './random.ts';

export interface Interval {
  value: number;
  low: number;
  high: number;
}

const BOOTSTRAP_SAMPLES = 2000;

export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}

/** Nearest-rank percentile (p in 0–100) of values already sorted ascending; 0 when there are none. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Nearest-rank percentile (p in 0–100) of a sample in any order; 0 when it is empty. */
export function percentile(values: readonly number[], p: number): number {
  return nearestRank(Float64Array.from(values).sort(), p);
}

export function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

export function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/**
 * Percentile bootstrap 95% interval of the mean, from a seeded generator so the same values give
 * the same interval on every machine. Resampling n values 2,000 times costs 2,000 × n draws, which
 * at 10,000 cases is most of a second per metric; but when the values take only two distinct
 * levels (pass/fail, a 0/1 score) a resample's mean is a binomial count scaled between them, so
 * each resample is drawn from that distribution in one step instead, which is the same bootstrap.
 */
export function bootstrapMean(xs: readonly number[], seed = 1): Interval | null {
  if (xs.length === 0) return null;
  const value = mean(xs);
  const lo = minOf(xs);
  const hi = maxOf(xs);
  if (xs.length === 1 || lo === hi) return { value: round4(value), low: round4(value), high: round4(value) };
  const random = rng(seed);
  const means = new Float64Array(BOOTSTRAP_SAMPLES);
  const n = xs.length;
  const highs = countIfTwoLevels(xs, lo, hi);
  if (highs !== null) {
    const cdf = binomialCdf(n, highs / n);
    for (let i = 0; i < means.length; i++) means[i] = lo + ((hi - lo) * firstAtLeast(cdf, random())) / n;
  } else {
    const values = Float64Array.from(xs);
    for (let i = 0; i < means.length; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += values[Math.floor(random() * n)];
      means[i] = sum / n;
    }
  }
  means.sort();
  return { value: round4(value), low: round4(nearestRank(means, 2.5)), high: round4(nearestRank(means, 97.5)) };
}

/** How many values equal hi when every value is lo or hi; null when there is a third level. */
function countIfTwoLevels(xs: readonly number[], lo: number, hi: number): number | null {
  let highs = 0;
  for (const x of xs) {
    if (x === hi) highs++;
    else if (x !== lo) return null;
  }
  return highs;
}

/**
 * Cumulative Binomial(n, p) probabilities. Built outward from the mode with the ratio of
 * neighbouring terms, because the tails underflow (0.5^10000 is 0 in doubles) while the mode does not.
 */
function binomialCdf(n: number, p: number): Float64Array {
  const pmf = new Float64Array(n + 1);
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const odds = p / (1 - p);
  pmf[mode] = 1;
  for (let k = mode; k < n && pmf[k] > 1e-300; k++) pmf[k + 1] = (pmf[k] * (n - k) * odds) / (k + 1);
  for (let k = mode; k > 0 && pmf[k] > 1e-300; k--) pmf[k - 1] = (pmf[k] * k) / ((n - k + 1) * odds);
  let total = 0;
  for (let k = 0; k <= n; k++) total += pmf[k];
  const cdf = new Float64Array(n + 1);
  let running = 0;
  for (let k = 0; k <= n; k++) cdf[k] = running += pmf[k] / total;
  return cdf;
}

/** The smallest k with cdf[k] ≥ u: the inverse of the distribution at u. */
function firstAtLeast(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] >= u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Four decimals: how every ratio and score is reported. */
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/**
 * Cohen's kappa of two raters' yes/no verdicts on the same items: their agreement beyond what
 * their own base rates would give by chance. Null for no items, or when chance already explains
 * everything (both raters gave one and the same verdict throughout), where it is undefined.
 */
export function cohensKappa(a: readonly boolean[], b: readonly boolean[]): number | null {
  if (a.length !== b.length) throw new RangeError(`cohensKappa needs paired verdicts, got ${a.length} and ${b.length}`);
  const n = a.length;
  if (n === 0) return null;
  let same = 0;
  let yesA = 0;
  let yesB = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) same++;
    if (a[i]) yesA++;
    if (b[i]) yesB++;
  }
  const observed = same / n;
  const chance = (yesA / n) * (yesB / n) + (1 - yesA / n) * (1 - yesB / n);
  return chance === 1 ? null : (observed - chance) / (1 - chance);
}

/** Ranks 1..n, ties sharing the mean of the ranks they span. */
function ranks(xs: readonly number[]): Float64Array {
  const order = Array.from(xs.keys()).sort((i, j) => xs[i] - xs[j]);
  const out = new Float64Array(xs.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && xs[order[end + 1]] === xs[order[start]]) end++;
    for (let k = start; k <= end; k++) out[order[k]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return out;
}

/**
 * Spearman's rank correlation of paired values (Pearson's r of their ranks, ties averaged): whether
 * two graders order items alike, whatever their scales. Null under 3 pairs or when either side is
 * constant.
 */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new RangeError(`spearman needs paired values, got ${x.length} and ${y.length}`);
  if (x.length < 3) return null;
  const rx = ranks(x);
  const ry = ranks(y);
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}
