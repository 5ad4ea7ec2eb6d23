/** `latency_ms`: wall time of the whole case (every message and approval), at most `options.max` ms. */
import { budgetEvaluator } from './budget.ts';

export const latencyMs = budgetEvaluator({
  name: 'latency_ms',
  unit: 'milliseconds',
  measure: (out) => out.latencyMs,
  format: (ms) => `${Math.round(ms)} ms`,
});
