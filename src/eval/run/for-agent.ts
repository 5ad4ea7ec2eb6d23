import type { ChatService } from '../../agent/chat-service.ts';
import type { PreparedAgent } from '../../agent/runtime/prepared-agent.ts';
import { resolveModel } from '../../models/registry.ts';
import type { Evaluator, Suite } from '../contracts.ts';
import { builtinEvaluators } from '../evaluators/registry.ts';
import { agentTarget, type Target } from '../targets/agent.ts';

export interface AgentRun {
  target: Target;
  evaluators: Map<string, Evaluator>;
  agent: { name: string; version: string; models: Record<string, string | null> };
  /** The suite, held to the agent's gate when it sets none of its own. */
  suite: Suite;
}

/**
 * What a run of a suite against one of our agents needs, the same from the CLI and the API: the
 * agent as target, the evaluators with the agent's judge and embedding models, and the gate.
 */
export function agentRun(chat: ChatService, agent: PreparedAgent, suite: Suite, approvals: 'approve' | 'deny' = 'approve'): AgentRun {
  const models = agent.definition.models;
  const judge = models.judge ? resolveModel(models.judge) : null;
  return {
    target: agentTarget({ chat, db: chat.db, projectId: chat.projectId, agentName: agent.definition.name, agentVersion: agent.version, approvals }),
    evaluators: builtinEvaluators({ judge: judge?.kind === 'llm' ? judge : null, embedder: agent.embedder }),
    agent: { name: agent.definition.name, version: agent.version, models: { ...models } },
    suite: suite.gate.length > 0 ? suite : { ...suite, gate: agent.definition.gate },
  };
}
