import type { LoadedAgent } from '../load.ts';
import type { ActionDefinition, Topic } from '../schema.ts';
import type { Embedder } from '../../knowledge/contracts.ts';
import { resolveEmbedder } from '../../models/embed.ts';
import { resolveModel, type LlmHandle, type ModelHandle } from '../../models/registry.ts';
import { resolveReranker, type Reranker } from '../../models/rerank.ts';
import { trainTopicRouter, type TopicRouter } from '../../models/local/router/router.ts';

/**
 * An agent version made ready to run: models resolved and, when it routes locally, its router trained
 * from the topics. Built once per version and shared by every session on it.
 */
export interface PreparedAgent extends LoadedAgent {
  routeModel: ModelHandle;
  answerModel: ModelHandle;
  /** Present when `models.route` is `local/...`. */
  router: TopicRouter | null;
  /** Rewrites follow-up questions before retrieval; null → the history heuristic. */
  rewriteModel: LlmHandle | null;
  /** Present when `models.embed` is set: vectors join full-text retrieval. */
  embedder: Embedder | null;
  reranker: Reranker | null;
  topics: Map<string, Topic>;
  actions: Map<string, ActionDefinition>;
  routerTrainMs: number;
}

export function prepareAgent(loaded: LoadedAgent, env: NodeJS.ProcessEnv = process.env): PreparedAgent {
  const def = loaded.definition;
  const routeModel = resolveModel(def.models.route, env);
  const answerModel = resolveModel(def.models.answer, env);
  const rewriteHandle = def.models.rewrite ? resolveModel(def.models.rewrite, env) : null;
  const started = performance.now();
  const router =
    routeModel.kind === 'local'
      ? trainTopicRouter(def.topics.map((t) => ({ name: t.name, description: t.description, examples: t.examples })))
      : null;
  return {
    ...loaded,
    routeModel,
    answerModel,
    router,
    // `local/…` has no generative model to rewrite with; the heuristic on the history is the local rewrite.
    rewriteModel: rewriteHandle?.kind === 'llm' ? rewriteHandle : null,
    embedder: def.models.embed ? resolveEmbedder(def.models.embed, env) : null,
    reranker: def.models.rerank ? resolveReranker(def.models.rerank, env) : null,
    topics: new Map(def.topics.map((t) => [t.name, t])),
    actions: new Map(def.actions.map((a) => [a.name, a])),
    routerTrainMs: performance.now() - started,
  };
}
