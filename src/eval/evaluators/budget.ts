/**
 * Budget evaluators: the score is the measured value (ms, tokens, USD), not a 0..1 quality, and
 * the case passes when it is at most `options.max` (or `threshold`, as the contracts phrase
 * budgets). A budget has no default: it runs only where a max is configured.
 */
import type { CaseOutput, Evaluator, EvaluatorSetting, SuiteCase } from '../contracts.ts';
import { invalidOption, missingOption, numberOption } from './shared.ts';

export interface BudgetSpec {
  name: string;
  unit: string;
  measure(out: CaseOutput): number;
  format(value: number): string;
}

function maxOf(e: Evaluator, c: SuiteCase, setting: EvaluatorSetting): number | undefined {
  const max = numberOption(e, c, setting, 'max');
  if (max !== undefined) return max;
  const t = setting.threshold;
  if (t === undefined) return undefined;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw invalidOption(e, c, 'max', `(given as threshold) must be a number ≥ 0, got ${JSON.stringify(t)}`);
  return t;
}

export function budgetEvaluator(spec: BudgetSpec): Evaluator {
  const e: Evaluator = {
    name: spec.name,
    kind: 'deterministic',
    // Unused: a budget without a configured max does not run.
    defaultThreshold: 0,
    appliesTo: (_c, setting) => setting.options?.max !== undefined || setting.threshold !== undefined,
    evaluate(c, out, { setting }) {
      const max = maxOf(e, c, setting);
      if (max === undefined) throw missingOption(e, c, 'max', `the largest ${spec.unit} a case may use`);
      const value = spec.measure(out);
      const passed = value <= max;
      return { evaluator: spec.name, score: value, passed, threshold: max, reason: `${spec.format(value)} ${passed ? '≤' : '>'} max ${spec.format(max)}` };
    },
  };
  return e;
}
