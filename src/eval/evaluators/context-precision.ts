/**
 * `context_precision` (model-graded): the share of the passages handed to the answer model that
 * help answer the question (judges/context_precision.v1.md). Runs on answer cases; not applicable
 * when no passage was retrieved (context_recall reports that).
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { clip, formatContext, formatQuestion, judgeEvaluator, loadJudgePrompt, NOT_GIVEN } from './judge.ts';
import { hasReference, isAnswerCase } from './shared.ts';

const prompt = loadJudgePrompt('context_precision', 1);

export function contextPrecision(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'context_precision',
      prompt,
      defaultThreshold: 0.5,
      wants: isAnswerCase,
      inputs(c, out) {
        if (out.context.length === 0) return { notApplicable: 'no passages were handed to the answer model' };
        return {
          values: {
            question: formatQuestion(c),
            reference: hasReference(c.reference) ? clip(c.reference) : NOT_GIVEN,
            context: formatContext(out.context),
          },
        };
      },
    },
    judge,
  );
}
