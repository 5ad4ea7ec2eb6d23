/**
 * `topic_match`: the (last) message was routed to the expected topic; an expected topic of null
 * means the message should have been refused as off-topic.
 */
import type { Evaluator } from '../contracts.ts';
import { graded, notApplicable, thresholdOf } from './shared.ts';

const label = (topic: string | null) => (topic === null ? 'off-topic' : `"${topic}"`);

export const topicMatch: Evaluator = {
  name: 'topic_match',
  kind: 'deterministic',
  defaultThreshold: 1,
  appliesTo: (c) => c.expectedTopic !== undefined,
  evaluate(c, out, { setting }) {
    const threshold = thresholdOf(topicMatch, c, setting);
    if (c.expectedTopic === undefined) return notApplicable(topicMatch.name, threshold, 'the case has no expectedTopic');
    // A case that broke before routing reports topic null too; that is no evidence of a refusal.
    if (out.status === 'error' && out.topic === null) {
      return graded(topicMatch.name, 0, threshold, `expected ${label(c.expectedTopic)}, but the case failed before a topic was observed${out.error ? `: ${out.error}` : ''}`);
    }
    const ok = out.topic === c.expectedTopic;
    const reason = ok ? `routed ${label(out.topic)}, as expected` : `routed ${label(out.topic)}, expected ${label(c.expectedTopic)}`;
    return graded(topicMatch.name, ok ? 1 : 0, threshold, reason);
  },
};
