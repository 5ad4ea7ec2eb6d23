/**
 * Run-level numbers: per metric the mean score and pass rate with bootstrap 95% confidence
 * intervals, per topic accuracy, failures per root-cause stage, latency percentiles and cost.
 * The bootstrap resamples cases with a seeded generator, so the same results give the same
 * intervals on every machine.
 */
import { rng } from '../../core/random.ts';
import type { Score } from '../contracts.ts';
import type { Stage } from './root-cause.ts';

export interface CaseResult {
  caseId: string;
  repeat: number;
  passed: boolean;
  rootCause: { stage: Stage; reason: string } | null;
  scores: Score[];
  latencyMs: number;
  costUsd: number;
  tokens: number;
  expectedTopic: string | null | undefined;
  topic: string | null;
  traceIds: string[];
  tags: string[];
}

export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface MetricSummary {
  metric: string;
  /** Cases where the metric produced a score. */
  cases: number;
  errors: number;
  mean: Interval | null;
  passRate: Interval | null;
  p50: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
}

export interface RunAggregates {
  cases: number;
  passed: number;
  passRate: Interval | null;
  metrics: MetricSummary[];
  topics: { topic: string; cases: number; accuracy: number }[];
  rootCauses: { stage: Stage; failures: number }[];
  latencyMs: { p50: number; p95: number; max: number };
  costUsd: number;
  tokens: number;
}

const BOOTSTRAP_SAMPLES = 2000;

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Percentile by nearest rank on a copy. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Percentile bootstrap interval of the mean. */
export function bootstrapMean(xs: number[], seed = 1): Interval | null {
  if (xs.length === 0) return null;
  const value = mean(xs);
  if (xs.length === 1) return { value: round(value), low: round(value), high: round(value) };
  const random = rng(seed);
  const means: number[] = [];
  for (let i = 0; i < BOOTSTRAP_SAMPLES; i++) {
    let sum = 0;
    for (let j = 0; j < xs.length; j++) sum += xs[Math.floor(random() * xs.length)];
    means.push(sum / xs.length);
  }
  return { value: round(value), low: round(percentile(means, 2.5)), high: round(percentile(means, 97.5)) };
}

export function aggregate(results: CaseResult[]): RunAggregates {
  const byMetric = new Map<string, Score[]>();
  for (const r of results) for (const s of r.scores) byMetric.set(s.evaluator, [...(byMetric.get(s.evaluator) ?? []), s]);
  const metrics = [...byMetric].map(([metric, scores]): MetricSummary => {
    const values = scores.flatMap((s) => (s.score === null ? [] : [s.score]));
    const verdicts = scores.flatMap((s) => (s.passed === null ? [] : [s.passed ? 1 : 0]));
    return {
      metric,
      cases: values.length,
      errors: scores.filter((s) => s.error).length,
      mean: bootstrapMean(values),
      passRate: bootstrapMean(verdicts),
      p50: values.length ? round(percentile(values, 50)) : null,
      p95: values.length ? round(percentile(values, 95)) : null,
      min: values.length ? round(Math.min(...values)) : null,
      max: values.length ? round(Math.max(...values)) : null,
    };
  }).sort((a, b) => a.metric.localeCompare(b.metric));

  const topics = new Map<string, { cases: number; right: number }>();
  for (const r of results) {
    if (r.expectedTopic === undefined) continue;
    const key = r.expectedTopic ?? 'off_topic';
    const t = topics.get(key) ?? { cases: 0, right: 0 };
    t.cases++;
    if (r.topic === r.expectedTopic) t.right++;
    topics.set(key, t);
  }
  const causes = new Map<Stage, number>();
  for (const r of results) if (!r.passed && r.rootCause) causes.set(r.rootCause.stage, (causes.get(r.rootCause.stage) ?? 0) + 1);
  const latencies = results.map((r) => r.latencyMs);
  return {
    cases: results.length,
    passed: results.filter((r) => r.passed).length,
    passRate: bootstrapMean(results.map((r) => (r.passed ? 1 : 0))),
    metrics,
    topics: [...topics].map(([topic, t]) => ({ topic, cases: t.cases, accuracy: round(t.right / t.cases) })).sort((a, b) => a.topic.localeCompare(b.topic)),
    rootCauses: [...causes].map(([stage, failures]) => ({ stage, failures })).sort((a, b) => b.failures - a.failures),
    latencyMs: latencies.length ? { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), max: round(Math.max(...latencies)) } : { p50: 0, p95: 0, max: 0 },
    costUsd: results.reduce((n, r) => n + r.costUsd, 0),
    tokens: results.reduce((n, r) => n + r.tokens, 0),
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
