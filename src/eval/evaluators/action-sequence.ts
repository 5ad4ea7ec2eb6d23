/**
 * `action_sequence`: the agent called the expected actions in order. By default other calls may
 * come between and around them (the expected names must form an ordered subsequence of the calls;
 * score = share of expected actions matched). With `options.strict: true` the calls must be
 * exactly the expected ones (score = matched / the longer of the two lists). An empty
 * `expectedActions` means no action should be called, in either mode.
 */
import type { Evaluator, ObservedAction } from '../contracts.ts';
import { booleanOption, graded, notApplicable, quoteList, thresholdOf } from './shared.ts';

/**
 * Pairs of (expected index, observed index) of a longest common subsequence of the two name
 * lists: the most expected actions that can be matched in order.
 */
export function alignActions(expected: readonly string[], observed: readonly string[]): [number, number][] {
  const n = expected.length;
  const m = observed.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i][j] = expected[i] === observed[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (expected[i] === observed[j]) pairs.push([i++, j++]);
    else if (table[i + 1][j] >= table[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

const describeCalls = (calls: ObservedAction[]) =>
  calls.length === 0 ? 'none' : calls.map((a) => (a.ok ? a.name : `${a.name} (failed)`)).join(' → ');

export const actionSequence: Evaluator = {
  name: 'action_sequence',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (c) => c.expectedActions !== undefined,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(actionSequence, c, setting);
    const strict = booleanOption(actionSequence, c, setting, 'strict') ?? false;
    if (c.expectedActions === undefined) return notApplicable(actionSequence.name, threshold, 'the case has no expectedActions');
    const expected = c.expectedActions.map((a) => a.name);
    const observed = out.actions.map((a) => a.name);
    const called = `called: ${describeCalls(out.actions)}`;
    if (expected.length === 0) {
      return graded(actionSequence.name, observed.length === 0 ? 1 : 0, threshold, observed.length === 0 ? 'no action called, as expected' : `expected no action; ${called}`);
    }
    const pairs = alignActions(expected, observed);
    const matchedExpected = new Set(pairs.map(([i]) => i));
    const matchedObserved = new Set(pairs.map(([, j]) => j));
    const missing = expected.filter((_, i) => !matchedExpected.has(i));
    const unexpected = observed.filter((_, j) => !matchedObserved.has(j));
    const score = pairs.length / (strict ? Math.max(expected.length, observed.length) : expected.length);
    const parts = [`${pairs.length}/${expected.length} expected actions called in order`];
    if (missing.length) parts.push(`missing or out of order: ${quoteList(missing, 10)}`);
    if (unexpected.length) parts.push(`${strict ? 'unexpected' : 'other calls (allowed)'}: ${quoteList(unexpected, 10)}`);
    parts.push(called);
    return graded(actionSequence.name, score, threshold, parts.join('; '));
  },
};
