/**
 * Acceptance gates: each criterion names a metric, how its values are aggregated and the threshold
 * the aggregate must meet, with a minimum number of scored cases so a gate cannot pass on too few.
 * `latency_ms`, `tokens` and `cost_usd` are the measured values of every case (budgets); other
 * metrics are evaluator scores. The run passes when every criterion does.
 */
import type { GateCriterion } from '../contracts.ts';
import type { CaseResult } from './aggregate.ts';
import { maxOf, mean, minOf, percentile, round4 } from '../../core/stats.ts';

export interface CriterionVerdict extends GateCriterion {
  /** The aggregate measured, null when nothing was scored. */
  value: number | null;
  cases: number;
  passed: boolean;
  reason: string;
}

export interface GateVerdict {
  passed: boolean;
  criteria: CriterionVerdict[];
}

/** Values of a metric over the results: measured budgets, or evaluator scores (pass/fail for pass_rate). */
function valuesOf(results: CaseResult[], c: GateCriterion): number[] {
  if (c.metric === 'latency_ms' && !hasScores(results, c.metric)) return results.map((r) => r.latencyMs);
  if (c.metric === 'cost_usd' && !hasScores(results, c.metric)) return results.map((r) => r.costUsd);
  if (c.metric === 'tokens' && !hasScores(results, c.metric)) return results.map((r) => r.tokens);
  if (c.metric === 'case_pass') return results.map((r) => (r.passed ? 1 : 0));
  return results.flatMap((r) => {
    const s = r.scores.find((x) => x.evaluator === c.metric);
    if (!s) return [];
    if (c.aggregate === 'pass_rate') return s.passed === null ? [] : [s.passed ? 1 : 0];
    return s.score === null ? [] : [s.score];
  });
}

const hasScores = (results: CaseResult[], metric: string) => results.some((r) => r.scores.some((s) => s.evaluator === metric));

function aggregateOf(values: number[], aggregate: GateCriterion['aggregate']): number {
  switch (aggregate) {
    case 'mean':
    case 'pass_rate':
      return mean(values);
    case 'p50':
      return percentile(values, 50);
    case 'p95':
      return percentile(values, 95);
    case 'max':
      return maxOf(values);
    case 'min':
      return minOf(values);
  }
}

export function evaluateGate(criteria: GateCriterion[], results: CaseResult[]): GateVerdict {
  const verdicts = criteria.map((c): CriterionVerdict => {
    const values = valuesOf(results, c);
    const label = `${c.metric} ${c.aggregate} ${c.op} ${c.threshold}`;
    const needed = c.minCases ?? 1;
    if (values.length < needed) {
      return { ...c, value: values.length ? round4(aggregateOf(values, c.aggregate)) : null, cases: values.length, passed: false, reason: `${label}: only ${values.length} scored case(s), the gate needs ${needed}` };
    }
    const value = round4(aggregateOf(values, c.aggregate));
    const passed = c.op === '>=' ? value >= c.threshold : value <= c.threshold;
    return { ...c, value, cases: values.length, passed, reason: `${label}: ${value} over ${values.length} case(s)${passed ? '' : ' — not met'}` };
  });
  return { passed: verdicts.every((v) => v.passed), criteria: verdicts };
}

