/**
 * `contains`: the reply includes every phrase of `mustInclude` (case-insensitive unless
 * `options.caseSensitive: true`); score = share of the phrases found.
 */
import type { Evaluator } from '../contracts.ts';
import { findPhrases } from './phrases.ts';
import { booleanOption, graded, noReplyReason, notApplicable, quoteList, thresholdOf } from './shared.ts';

export const contains: Evaluator = {
  name: 'contains',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (c) => (c.mustInclude?.length ?? 0) > 0,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(contains, c, setting);
    const caseSensitive = booleanOption(contains, c, setting, 'caseSensitive') ?? false;
    const phrases = c.mustInclude ?? [];
    if (phrases.length === 0) return notApplicable(contains.name, threshold, 'the case has no mustInclude');
    if (out.reply === null) return graded(contains.name, 0, threshold, `${noReplyReason(out)}; missing: ${quoteList(phrases)}`);
    const { found, absent } = findPhrases(out.reply, phrases, caseSensitive);
    const reason = absent.length === 0 ? `includes all ${phrases.length}: ${quoteList(found)}` : `missing ${absent.length}/${phrases.length}: ${quoteList(absent)}`;
    return graded(contains.name, found.length / phrases.length, threshold, reason);
  },
};
