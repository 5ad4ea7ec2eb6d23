/**
 * `context_recall` (model-graded): whether the passages handed to the answer model hold what the
 * reference answer (or expected outcome) needs (judges/context_recall.v1.md). No passages at all
 * recall nothing: score 0 without asking the judge.
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { clip, formatContext, formatQuestion, judgeEvaluator, loadJudgePrompt, NOT_GIVEN } from './judge.ts';
import { hasReference } from './shared.ts';

const prompt = loadJudgePrompt('context_recall', 1);

export function contextRecall(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'context_recall',
      prompt,
      defaultThreshold: 0.7,
      wants: (c) => hasReference(c.reference) || hasReference(c.expectedOutcome),
      inputs(c, out) {
        if (!hasReference(c.reference) && !hasReference(c.expectedOutcome)) return { notApplicable: 'the case has neither a reference nor an expectedOutcome' };
        if (out.context.length === 0) return { fail: 'no passages were handed to the answer model, so none of the reference was found' };
        return {
          values: {
            question: formatQuestion(c),
            reference: hasReference(c.reference) ? clip(c.reference) : NOT_GIVEN,
            expected_outcome: hasReference(c.expectedOutcome) ? clip(c.expectedOutcome) : NOT_GIVEN,
            context: formatContext(out.context),
          },
        };
      },
    },
    judge,
  );
}
