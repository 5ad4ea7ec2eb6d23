/** `cost_usd`: what the case's model calls cost, at most `options.max` US dollars. */
import { budgetEvaluator } from './budget.ts';

export const costUsd = budgetEvaluator({
  name: 'cost_usd',
  unit: 'US dollars',
  measure: (out) => out.costUsd,
  // Sub-cent costs are the common case; six decimals keep them readable.
  format: (usd) => `$${usd.toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`,
});
