/**
 * Run-level numbers: per metric the mean score and pass rate with bootstrap 95% confidence
 * intervals, per topic accuracy, failures per root-cause stage, latency percentiles and cost.
 * Intervals are seeded bootstraps (core/stats.ts), the same on every machine.
 */
import { bootstrapMean, type Interval, maxOf, minOf, percentile, round4 } from '../../core/stats.ts';
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

/** The order results are reported in: by case id, then repeat. */
export const inCaseOrder = (a: CaseResult, b: CaseResult): number => a.caseId.localeCompare(b.caseId) || a.repeat - b.repeat;

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

export function aggregate(results: CaseResult[]): RunAggregates {
  const byMetric = new Map<string, Score[]>();
  for (const r of results) {
    for (const s of r.scores) {
      const list = byMetric.get(s.evaluator);
      if (list) list.push(s);
      else byMetric.set(s.evaluator, [s]);
    }
  }
  const metrics = [...byMetric].map(([metric, scores]): MetricSummary => {
    const values = scores.flatMap((s) => (s.score === null ? [] : [s.score]));
    const verdicts = scores.flatMap((s) => (s.passed === null ? [] : [s.passed ? 1 : 0]));
    return {
      metric,
      cases: values.length,
      errors: scores.filter((s) => s.error).length,
      mean: bootstrapMean(values),
      passRate: bootstrapMean(verdicts),
      p50: values.length ? round4(percentile(values, 50)) : null,
      p95: values.length ? round4(percentile(values, 95)) : null,
      min: values.length ? round4(minOf(values)) : null,
      max: values.length ? round4(maxOf(values)) : null,
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
    topics: [...topics].map(([topic, t]) => ({ topic, cases: t.cases, accuracy: round4(t.right / t.cases) })).sort((a, b) => a.topic.localeCompare(b.topic)),
    rootCauses: [...causes].map(([stage, failures]) => ({ stage, failures })).sort((a, b) => b.failures - a.failures),
    latencyMs: latencies.length ? { p50: round4(percentile(latencies, 50)), p95: round4(percentile(latencies, 95)), max: round4(maxOf(latencies)) } : { p50: 0, p95: 0, max: 0 },
    costUsd: results.reduce((n, r) => n + r.costUsd, 0),
    tokens: results.reduce((n, r) => n + r.tokens, 0),
  };
}

