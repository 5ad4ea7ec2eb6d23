/** `tokens`: input plus output tokens of every model call of the case, at most `options.max`. */
import { budgetEvaluator } from './budget.ts';

export const tokens = budgetEvaluator({
  name: 'tokens',
  unit: 'tokens (input + output)',
  measure: (out) => out.inputTokens + out.outputTokens,
  format: (n) => `${n} tokens`,
});
