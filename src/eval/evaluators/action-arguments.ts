/**
 * `action_arguments`: the calls of the expected actions had the expected arguments. Each expected
 * action that gives `args` is matched, in order, to the first later call of the same name whose
 * arguments contain every given key with a deep-equal value (other keys are free); score = share
 * of those expected actions so matched. Values compare strictly: "20" is not 20.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Evaluator, ExpectedAction, ObservedAction } from '../contracts.ts';
import { graded, notApplicable, thresholdOf } from './shared.ts';

const withArgs = (actions: ExpectedAction[] | undefined) => (actions ?? []).filter((a) => a.args !== undefined);

/** The given keys whose values differ (or are absent) in the call's arguments. */
export function argumentMismatches(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  return Object.keys(expected).filter((k) => !(k in actual) || !isDeepStrictEqual(expected[k], actual[k]));
}

const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));

export const actionArguments: Evaluator = {
  name: 'action_arguments',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (c) => withArgs(c.expectedActions).length > 0,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(actionArguments, c, setting);
    const checked = withArgs(c.expectedActions);
    if (checked.length === 0) return notApplicable(actionArguments.name, threshold, 'no expected action gives args');
    const problems: string[] = [];
    let matched = 0;
    let cursor = 0;
    for (const exp of checked) {
      const args = exp.args!;
      const candidates = out.actions.map((a, i) => [a, i] as [ObservedAction, number]).filter(([a, i]) => i >= cursor && a.name === exp.name);
      const hit = candidates.find(([a]) => argumentMismatches(args, a.args).length === 0);
      if (hit) {
        matched += 1;
        cursor = hit[1] + 1;
        continue;
      }
      if (candidates.length === 0) {
        problems.push(`${exp.name}: not called${cursor > 0 ? ' after the previous match' : ''}`);
        continue;
      }
      // The nearest call of that name shows what was wrong with it.
      const [nearest] = candidates[0];
      const diffs = argumentMismatches(args, nearest.args).map((k) => `${k} = ${show(nearest.args[k])}, expected ${show(args[k])}`);
      problems.push(`${exp.name}: ${diffs.join(', ')}`);
    }
    const reason = problems.length === 0 ? `all ${checked.length} expected calls had the expected arguments` : `${matched}/${checked.length} calls with the expected arguments; ${problems.join('; ')}`;
    return graded(actionArguments.name, matched / checked.length, threshold, reason);
  },
};
