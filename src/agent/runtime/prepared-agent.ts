import type { LoadedAgent } from '../load.ts';
import type { ActionDefinition, Topic } from '../schema.ts';
import { resolveModel, type ModelHandle } from '../../models/registry.ts';
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
  topics: Map<string, Topic>;
  actions: Map<string, ActionDefinition>;
  routerTrainMs: number;
}

export function prepareAgent(loaded: LoadedAgent, env: NodeJS.ProcessEnv = process.env): PreparedAgent {
  const def = loaded.definition;
  const routeModel = resolveModel(def.models.route, env);
  const answerModel = resolveModel(def.models.answer, env);
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
    topics: new Map(def.topics.map((t) => [t.name, t])),
    actions: new Map(def.actions.map((a) => [a.name, a])),
    routerTrainMs: performance.now() - started,
  };
}
