/**
 * `correctness` (model-graded): the reply against the case's reference answer and/or expected
 * outcome, judged by the configured judge model with the prompt in judges/correctness.v1.md.
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { clip, formatQuestion, judgeEvaluator, loadJudgePrompt, expectationValues, NO_EXPECTATION } from './judge.ts';
import { hasExpectation, noReplyReason } from './shared.ts';

const prompt = loadJudgePrompt('correctness', 1);

export function correctness(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'correctness',
      prompt,
      defaultThreshold: 0.7,
      wants: hasExpectation,
      inputs(c, out) {
        if (!hasExpectation(c)) return { notApplicable: NO_EXPECTATION };
        if (out.reply === null || out.reply.trim() === '') return { fail: out.reply === null ? noReplyReason(out) : 'empty reply' };
        return {
          values: {
            question: formatQuestion(c),
            ...expectationValues(c),
            reply: clip(out.reply),
          },
        };
      },
    },
    judge,
  );
}
