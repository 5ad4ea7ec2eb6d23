/**
 * `answer_relevance` (model-graded): whether the reply addresses the question, whatever its
 * correctness (judges/answer_relevance.v1.md). Runs on answer cases (a reference, an expected
 * outcome or expected sources), where the reply is meant to answer something.
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { clip, formatQuestion, judgeEvaluator, loadJudgePrompt } from './judge.ts';
import { isAnswerCase, noReplyReason, questionOf } from './shared.ts';

const prompt = loadJudgePrompt('answer_relevance', 1);

export function answerRelevance(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'answer_relevance',
      prompt,
      defaultThreshold: 0.7,
      wants: isAnswerCase,
      inputs(c, out) {
        if (questionOf(c).trim() === '') return { notApplicable: 'the case sends no user message' };
        if (out.reply === null || out.reply.trim() === '') return { fail: out.reply === null ? noReplyReason(out) : 'empty reply' };
        return { values: { question: formatQuestion(c), reply: clip(out.reply) } };
      },
    },
    judge,
  );
}
