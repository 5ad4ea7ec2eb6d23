import type { TurnTracer } from '../../trace/tracer.ts';
import { classifyWithModel } from '../../models/call.ts';
import { countTokens } from '../../models/tokens.ts';
import { looksLikeFollowUp } from '../../knowledge/grounding/rewrite.ts';
import type { PreparedAgent } from './prepared-agent.ts';
import { round4 } from '../../core/stats.ts';

export interface RouteDecision {
  /** null when the utterance is off-topic. */
  topic: string | null;
  confidence: number;
  ranking: { label: string; probability: number }[];
}

/**
 * Classifies the utterance to one of the agent's topics. Below the agent's fallback threshold the
 * utterance is off-topic, whichever model routed it.
 */
export async function route(agent: PreparedAgent, utterance: string, history: { role: 'user' | 'assistant'; content: string }[], tracer: TurnTracer): Promise<RouteDecision> {
  const threshold = agent.definition.fallback.threshold;
  const span = tracer.start('route', 'route', { utterance });
  try {
    if (agent.router) {
      let p = agent.router.predict(utterance);
      let decision = decide(p.label, p.confidence, p.ranking, threshold);
      // "and what about the oil?" says nothing of its topic by itself: it continues the last question.
      const previous = history.findLast((m) => m.role === 'user')?.content;
      let withHistory = false;
      if (decision.topic === null && previous && looksLikeFollowUp(utterance)) {
        p = agent.router.predict(`${previous} ${utterance}`);
        decision = decide(p.label, p.confidence, p.ranking, threshold);
        withHistory = true;
      }
      span.end({
        model: agent.routeModel.ref,
        inputTokens: countTokens(utterance),
        output: { topic: decision.topic },
        attributes: { ...attributes(decision, threshold), ...(withHistory ? { with_previous_question: true } : {}) },
      });
      return decision;
    }
    if (agent.routeModel.kind !== 'llm') throw new Error(`route model ${agent.routeModel.ref} cannot route`);
    const topics = agent.definition.topics.map((t) => ({ name: t.name, description: t.description }));
    const p = await classifyWithModel(agent.routeModel, utterance, topics, history);
    const decision = decide(p.label, p.confidence, p.ranking, threshold);
    span.end({
      model: agent.routeModel.ref,
      inputTokens: p.usage.inputTokens,
      outputTokens: p.usage.outputTokens,
      costUsd: p.costUsd,
      output: { topic: decision.topic },
      attributes: { ...attributes(decision, threshold), 'gen_ai.request.model': agent.routeModel.name },
    });
    return decision;
  } catch (err) {
    span.fail(err, { model: agent.routeModel.ref });
    throw err;
  }
}

function decide(label: string, confidence: number, ranking: RouteDecision['ranking'], threshold: number): RouteDecision {
  const onTopic = label !== 'off_topic' && confidence >= threshold;
  return { topic: onTopic ? label : null, confidence, ranking: ranking.slice(0, 5) };
}

function attributes(d: RouteDecision, threshold: number): Record<string, unknown> {
  return { topic: d.topic ?? 'off_topic', confidence: round4(d.confidence), threshold, off_topic: d.topic === null, ranking: d.ranking.map((r) => ({ label: r.label, probability: round4(r.probability) })) };
}

