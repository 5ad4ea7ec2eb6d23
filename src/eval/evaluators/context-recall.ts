/**
 * `context_recall` (model-graded): whether the passages handed to the answer model hold what the
 * reference answer (or expected outcome) needs (judges/context_recall.v1.md). No passages at all
 * recall nothing: score 0 without asking the judge.
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { formatContext, formatQuestion, judgeEvaluator, loadJudgePrompt, expectationValues, NO_EXPECTATION } from './judge.ts';
import { hasExpectation } from './shared.ts';

const prompt = loadJudgePrompt('context_recall', 1);

export function contextRecall(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'context_recall',
      prompt,
      defaultThreshold: 0.7,
      wants: hasExpectation,
      inputs(c, out) {
        if (!hasExpectation(c)) return { notApplicable: NO_EXPECTATION };
        if (out.context.length === 0) return { fail: 'no passages were handed to the answer model, so none of the reference was found' };
        return {
          values: {
            question: formatQuestion(c),
            ...expectationValues(c),
            context: formatContext(out.context),
          },
        };
      },
    },
    judge,
  );
}
