/**
 * Run-to-run comparison on the cases both runs share: per metric the change in mean score with a
 * paired significance test, and the cases that regressed (passed before, fail now) or were fixed.
 * Pairing by case removes the spread between cases from the comparison, so a small but consistent
 * change is detected on a suite of tens of cases.
 *
 * The test is a sign-flip permutation test on the per-case differences (two-sided, H0: the change
 * is symmetric around zero): exact when there are at most 16 non-zero differences, otherwise
 * 10,000 seeded resamples. It needs no distributional assumption, and on pass/fail scores it is the
 * exact McNemar test.
 */
import { rng } from '../../core/random.ts';
import { mean, round4 } from '../../core/stats.ts';
import type { CaseResult } from './aggregate.ts';

export interface MetricChange {
  metric: string;
  /** Cases scored on the metric in both runs. */
  cases: number;
  baseline: number;
  current: number;
  delta: number;
  pValue: number;
  /** p < 0.05. */
  significant: boolean;
}

export interface RunComparison {
  baselineRunId: string;
  metrics: MetricChange[];
  passRate: MetricChange | null;
  regressed: string[];
  fixed: string[];
  /** Cases only in this run, or only in the baseline. */
  added: string[];
  removed: string[];
}

const ALPHA = 0.05;
const EXACT_UP_TO = 16;
const RESAMPLES = 10_000;

/** Per case (repeats averaged): metric → score, and the pass rate. */
function perCase(results: CaseResult[]): Map<string, { metrics: Map<string, number>; passed: number }> {
  const sums = new Map<string, { metrics: Map<string, number[]>; passed: number[] }>();
  for (const r of results) {
    const entry = sums.get(r.caseId) ?? { metrics: new Map<string, number[]>(), passed: [] };
    entry.passed.push(r.passed ? 1 : 0);
    for (const s of r.scores) {
      if (s.score === null) continue;
      const scores = entry.metrics.get(s.evaluator);
      if (scores) scores.push(s.score);
      else entry.metrics.set(s.evaluator, [s.score]);
    }
    sums.set(r.caseId, entry);
  }
  return new Map([...sums].map(([id, e]) => [id, { metrics: new Map([...e.metrics].map(([m, xs]) => [m, mean(xs)])), passed: mean(e.passed) }]));
}

/** Two-sided sign-flip permutation p-value of the mean difference. */
export function pairedPValue(differences: number[], seed = 7): number {
  const d = differences.filter((x) => x !== 0);
  if (d.length === 0) return 1;
  const observed = Math.abs(d.reduce((a, b) => a + b, 0));
  const eps = 1e-12;
  if (d.length <= EXACT_UP_TO) {
    let extreme = 0;
    const total = 1 << d.length;
    for (let mask = 0; mask < total; mask++) {
      let sum = 0;
      for (let i = 0; i < d.length; i++) sum += mask & (1 << i) ? -d[i] : d[i];
      if (Math.abs(sum) >= observed - eps) extreme++;
    }
    return extreme / total;
  }
  const random = rng(seed);
  let extreme = 1; // the observed labelling counts, so p is never 0
  for (let k = 0; k < RESAMPLES; k++) {
    let sum = 0;
    for (const x of d) sum += random() < 0.5 ? -x : x;
    if (Math.abs(sum) >= observed - eps) extreme++;
  }
  return extreme / (RESAMPLES + 1);
}

function change(metric: string, pairs: [number, number][]): MetricChange {
  const baseline = mean(pairs.map(([b]) => b));
  const current = mean(pairs.map(([, c]) => c));
  const p = pairedPValue(pairs.map(([b, c]) => c - b));
  return { metric, cases: pairs.length, baseline: round4(baseline), current: round4(current), delta: round4(current - baseline), pValue: round4(p), significant: p < ALPHA };
}

export function compareRuns(baselineRunId: string, baseline: CaseResult[], current: CaseResult[]): RunComparison {
  const before = perCase(baseline);
  const after = perCase(current);
  const shared = [...after.keys()].filter((id) => before.has(id)).sort();
  const metricNames = new Set<string>();
  for (const id of shared) for (const m of after.get(id)!.metrics.keys()) if (before.get(id)!.metrics.has(m)) metricNames.add(m);
  const metrics = [...metricNames].sort().map((m) =>
    change(m, shared.flatMap((id) => {
      const b = before.get(id)!.metrics.get(m);
      const c = after.get(id)!.metrics.get(m);
      return b === undefined || c === undefined ? [] : [[b, c] as [number, number]];
    })),
  );
  return {
    baselineRunId,
    metrics,
    passRate: shared.length ? change('case_pass', shared.map((id) => [before.get(id)!.passed, after.get(id)!.passed])) : null,
    regressed: shared.filter((id) => before.get(id)!.passed === 1 && after.get(id)!.passed < 1),
    fixed: shared.filter((id) => before.get(id)!.passed < 1 && after.get(id)!.passed === 1),
    added: [...after.keys()].filter((id) => !before.has(id)).sort(),
    removed: [...before.keys()].filter((id) => !after.has(id)).sort(),
  };
}

