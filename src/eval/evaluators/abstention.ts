/**
 * `abstention`: the agent abstained (or refused) exactly when it should: `options.expected: true`
 * for a question it must not answer (nothing in its knowledge, out of its remit), false for one it
 * must. Abstaining is: a reply that declines for lack of knowledge (isAbstention, shared with the
 * grounding stages), a reply that refuses to help, the message routed off-topic (the runtime's
 * refusal), or a guard that blocked the turn. Runs only where `expected` is configured.
 */
import { isAbstention } from '../../knowledge/grounding/relevance.ts';
import type { CaseOutput, Evaluator } from '../contracts.ts';
import { booleanOption, graded, missingOption, noReplyReason, thresholdOf } from './shared.ts';

const REFUSAL = [
  /\b(?:i|we)\s*(?:can\s*(?:not|['’]?t)|won['’]?t|(?:am|['’]m|are|['’]re)\s+(?:not\s+able|unable)\s+to|(?:am|['’]m|are|['’]re)\s+not\s+allowed\s+to)\s+(?:help|assist|answer|discuss|provide|share|do\s+that)\b/i,
  /\b(?:that|this)\s+is\s+(?:outside|beyond|not\s+within)\s+(?:of\s+)?(?:my|our|what\s+i)\b/i,
  /\bi\s+can\s+only\s+(?:help|assist|answer)\b/i,
];

/** Whether the agent abstained, and how it was seen; null when there is no reply to judge. */
export function abstained(out: CaseOutput): { abstained: boolean; how: string } | null {
  if (out.blocked) return { abstained: true, how: `the ${out.blocked.stage} guard blocked the turn` };
  if (out.status === 'completed' && out.topic === null && out.reply !== null) return { abstained: true, how: 'routed off-topic' };
  if (out.reply === null || out.reply.trim() === '') return null;
  if (isAbstention(out.reply)) return { abstained: true, how: 'the reply declines for lack of knowledge' };
  if (REFUSAL.some((p) => p.test(out.reply!))) return { abstained: true, how: 'the reply refuses' };
  return { abstained: false, how: 'the reply answers' };
}

export const abstention: Evaluator = {
  name: 'abstention',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (_c, setting) => setting.options?.expected !== undefined,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(abstention, c, setting);
    const expected = booleanOption(abstention, c, setting, 'expected');
    if (expected === undefined) throw missingOption(abstention, c, 'expected', 'true when the agent should abstain or refuse, false when it should answer');
    const seen = abstained(out);
    const wanted = expected ? 'should abstain' : 'should answer';
    if (seen === null) return graded(abstention.name, 0, threshold, `${wanted}, but there is ${out.reply === null ? noReplyReason(out) : 'an empty reply'}`);
    const ok = seen.abstained === expected;
    return graded(abstention.name, ok ? 1 : 0, threshold, ok ? `${seen.how}, as expected` : `${seen.how}, but the agent ${wanted}`);
  },
};
