/**
 * `correctness` (model-graded): the reply against the case's reference answer and/or expected
 * outcome, judged by the configured judge model with the prompt in judges/correctness.v1.md.
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { clip, formatQuestion, judgeEvaluator, loadJudgePrompt, NOT_GIVEN } from './judge.ts';
import { hasReference, noReplyReason } from './shared.ts';

const prompt = loadJudgePrompt('correctness', 1);

export function correctness(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'correctness',
      prompt,
      defaultThreshold: 0.7,
      wants: (c) => hasReference(c.reference) || hasReference(c.expectedOutcome),
      inputs(c, out) {
        if (!hasReference(c.reference) && !hasReference(c.expectedOutcome)) return { notApplicable: 'the case has neither a reference nor an expectedOutcome' };
        if (out.reply === null || out.reply.trim() === '') return { fail: out.reply === null ? noReplyReason(out) : 'empty reply' };
        return {
          values: {
            question: formatQuestion(c),
            reference: hasReference(c.reference) ? clip(c.reference) : NOT_GIVEN,
            expected_outcome: hasReference(c.expectedOutcome) ? clip(c.expectedOutcome) : NOT_GIVEN,
            reply: clip(out.reply),
          },
        };
      },
    },
    judge,
  );
}
