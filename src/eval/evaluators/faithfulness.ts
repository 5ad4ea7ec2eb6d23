/**
 * `faithfulness` (model-graded): the claims of the reply checked against the passages handed to
 * the answer model (judges/faithfulness.v1.md). Runs on answer cases (a reference, an expected
 * outcome or expected sources); not applicable without passages or to an abstention, which
 * claims nothing.
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { abstained } from './abstention.ts';
import { clip, formatContext, formatQuestion, judgeEvaluator, loadJudgePrompt } from './judge.ts';
import { isAnswerCase, noReplyReason } from './shared.ts';

const prompt = loadJudgePrompt('faithfulness', 1);

export function faithfulness(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'faithfulness',
      prompt,
      defaultThreshold: 0.8,
      wants: isAnswerCase,
      inputs(c, out) {
        if (out.reply === null || out.reply.trim() === '') return { notApplicable: out.reply === null ? noReplyReason(out) : 'empty reply' };
        if (out.context.length === 0) return { notApplicable: 'no passages were handed to the answer model' };
        if (abstained(out)?.abstained) return { notApplicable: 'the reply abstains and claims nothing' };
        return { values: { question: formatQuestion(c), context: formatContext(out.context), reply: clip(out.reply) } };
      },
    },
    judge,
  );
}
