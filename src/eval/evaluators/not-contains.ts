/**
 * `not_contains`: the reply includes no phrase of `mustNotInclude` (case-insensitive unless
 * `options.caseSensitive: true`); score = share of the phrases absent. No reply says nothing
 * forbidden, so it passes; evaluators of the answer itself report the missing reply.
 */
import type { Evaluator } from '../contracts.ts';
import { findPhrases } from './phrases.ts';
import { booleanOption, graded, noReplyReason, notApplicable, quoteList, thresholdOf } from './shared.ts';

export const notContains: Evaluator = {
  name: 'not_contains',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (c) => (c.mustNotInclude?.length ?? 0) > 0,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(notContains, c, setting);
    const caseSensitive = booleanOption(notContains, c, setting, 'caseSensitive') ?? false;
    const phrases = c.mustNotInclude ?? [];
    if (phrases.length === 0) return notApplicable(notContains.name, threshold, 'the case has no mustNotInclude');
    if (out.reply === null) return graded(notContains.name, 1, threshold, `${noReplyReason(out)}, so nothing forbidden was said`);
    const { found } = findPhrases(out.reply, phrases, caseSensitive);
    const reason = found.length === 0 ? `none of the ${phrases.length} forbidden phrases appears` : `includes forbidden ${quoteList(found)}`;
    return graded(notContains.name, 1 - found.length / phrases.length, threshold, reason);
  },
};
