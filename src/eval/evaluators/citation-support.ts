/**
 * `citation_support` (model-graded): whether each passage the reply cites supports the sentence
 * citing it (judges/citation_support.v1.md); the judge-model counterpart of the lexical
 * `citations_supported`. Not applicable to a reply that cites nothing.
 */
import type { LlmHandle } from '../../models/registry.ts';
import type { Evaluator } from '../contracts.ts';
import { clip, formatContext, judgeEvaluator, loadJudgePrompt } from './judge.ts';
import { isAnswerCase, noReplyReason } from './shared.ts';

const prompt = loadJudgePrompt('citation_support', 1);
const MARKER = /\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]/;

export function citationSupport(judge: LlmHandle | null): Evaluator {
  return judgeEvaluator(
    {
      name: 'citation_support',
      prompt,
      defaultThreshold: 0.8,
      wants: isAnswerCase,
      inputs(_c, out) {
        if (out.reply === null) return { notApplicable: noReplyReason(out) };
        if (!MARKER.test(out.reply)) return { notApplicable: 'the reply cites no passage' };
        if (out.context.length === 0) return { fail: 'the reply cites passages, but none was handed to the answer model' };
        return { values: { context: formatContext(out.context), reply: clip(out.reply) } };
      },
    },
    judge,
  );
}
