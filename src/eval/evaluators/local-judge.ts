/**
 * `local_judge`: the offline judge of a reply against the case's reference, so a suite scores
 * answers with no model configured. It is lexical, says so in every reason, and is measured like
 * any judge: its scores sit on the same 0..1 scale as `correctness`, so its agreement with the
 * model-graded evaluators (and with people's reviews) can be computed case by case.
 *
 * Formula, with F1 = token F1 and RL = ROUGE-L F1 of the SQuAD-normalised texts (text.ts):
 *
 *   lexical = (F1 + RL) / 2
 *   score   = coverage × (0.5 + 0.5 × lexical)   when the reference has key facts (facts.ts)
 *           = lexical                              otherwise
 *
 * where coverage is the share of the reference's key facts (numbers, identifiers, names) the reply
 * states. A fact is what a correct answer cannot paraphrase away, so it gates the score: a reply
 * with every fact scores at least 0.5 however it words them, a reply missing half of them at
 * most 0.5, one with none of them 0. Abstention decides alone: a reply that abstains where the
 * reference answers scores 0, one that abstains where the reference abstains scores 1.
 * Without key facts the score is plain overlap, which under-rates long, chatty replies that are
 * right in other words: give such cases a reference with facts, or a judge model.
 */
import { isAbstention } from '../../knowledge/grounding/relevance.ts';
import type { Evaluator } from '../contracts.ts';
import { factMatcher, keyFacts } from './facts.ts';
import { graded, hasReference, noReplyReason, notApplicable, quoteList, thresholdOf } from './shared.ts';
import { answerTokens, rougeL, tokenOverlap } from './text.ts';
import { round4 } from '../../core/stats.ts';

export interface LocalVerdict {
  score: number;
  reason: string;
}

export function localJudgement(reply: string, reference: string): LocalVerdict {
  const refAbstains = isAbstention(reference);
  const replyAbstains = isAbstention(reply);
  if (refAbstains || replyAbstains) {
    if (refAbstains && replyAbstains) return { score: 1, reason: 'the reply abstains, as the reference does' };
    return { score: 0, reason: replyAbstains ? 'the reply abstains; the reference answers' : 'the reply answers; the reference abstains' };
  }
  const p = answerTokens(reply);
  const r = answerTokens(reference);
  const f1 = tokenOverlap(p, r).f1;
  const rl = rougeL(p, r).f1;
  const lexical = (f1 + rl) / 2;
  const overlap = `token F1 ${round4(f1)}, ROUGE-L ${round4(rl)}`;
  const facts = keyFacts(reference);
  if (facts.length === 0) return { score: lexical, reason: `no key facts in the reference; ${overlap}` };
  const states = factMatcher(reply);
  const missing = facts.filter((f) => !states(f)).map((f) => f.text);
  const coverage = (facts.length - missing.length) / facts.length;
  const factsReason = missing.length === 0 ? `all ${facts.length} key facts stated` : `key facts ${facts.length - missing.length}/${facts.length}, missing ${quoteList(missing, 8)}`;
  return { score: coverage * (0.5 + 0.5 * lexical), reason: `${factsReason}; ${overlap}` };
}

export const localJudge: Evaluator = {
  name: 'local_judge',
  kind: 'reference',
  defaultThreshold: 0.5,
  appliesTo: (c) => hasReference(c.reference),
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(localJudge, c, setting);
    if (!hasReference(c.reference)) return notApplicable(localJudge.name, threshold, 'the case has no reference');
    if (out.reply === null || out.reply.trim() === '') return graded(localJudge.name, 0, threshold, out.reply === null ? noReplyReason(out) : 'empty reply');
    const v = localJudgement(out.reply, c.reference);
    return graded(localJudge.name, v.score, threshold, `local judge (lexical): ${v.reason}`);
  },
};
