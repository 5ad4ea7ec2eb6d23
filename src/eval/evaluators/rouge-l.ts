/**
 * `rouge_l`: ROUGE-L of the reply against the reference: the longest common subsequence of their
 * normalised tokens (text.ts), as precision, recall and an F-measure. `options.beta` (default 1)
 * weighs recall beta times as much as precision, for references shorter than good replies.
 */
import type { Evaluator } from '../contracts.ts';
import { answerTokens, rougeL as rougeLScore } from './text.ts';
import { graded, hasReference, noReplyReason, notApplicable, numberOption, thresholdOf } from './shared.ts';
import { round4 } from '../../core/stats.ts';

export const rougeL: Evaluator = {
  name: 'rouge_l',
  kind: 'reference',
  defaultThreshold: 0.5,
  appliesTo: (c) => hasReference(c.reference),
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(rougeL, c, setting);
    const beta = numberOption(rougeL, c, setting, 'beta', Number.MIN_VALUE) ?? 1;
    if (!hasReference(c.reference)) return notApplicable(rougeL.name, threshold, 'the case has no reference');
    if (out.reply === null) return graded(rougeL.name, 0, threshold, noReplyReason(out));
    const o = rougeLScore(answerTokens(out.reply), answerTokens(c.reference), beta);
    return graded(rougeL.name, o.f1, threshold, `LCS precision ${round4(o.precision)}, recall ${round4(o.recall)}${beta === 1 ? '' : `, beta ${beta}`}`);
  },
};
