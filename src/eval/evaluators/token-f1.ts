/**
 * `token_f1`: SQuAD token F1 of the reply against the case's reference, after SQuAD normalisation
 * (text.ts). Long replies lose precision: good for short factual answers, harsh on chatty ones.
 */
import type { Evaluator } from '../contracts.ts';
import { answerTokens, tokenOverlap } from './text.ts';
import { graded, hasReference, noReplyReason, notApplicable, thresholdOf } from './shared.ts';
import { round4 } from '../../core/stats.ts';

export const tokenF1: Evaluator = {
  name: 'token_f1',
  kind: 'reference',
  defaultThreshold: 0.5,
  appliesTo: (c) => hasReference(c.reference),
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(tokenF1, c, setting);
    if (!hasReference(c.reference)) return notApplicable(tokenF1.name, threshold, 'the case has no reference');
    if (out.reply === null) return graded(tokenF1.name, 0, threshold, noReplyReason(out));
    const o = tokenOverlap(answerTokens(out.reply), answerTokens(c.reference));
    return graded(tokenF1.name, o.f1, threshold, `precision ${round4(o.precision)}, recall ${round4(o.recall)} of reference tokens`);
  },
};
