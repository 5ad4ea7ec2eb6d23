/**
 * From a suite's `target:` to something the runner can run, for `agentproof test`. Configuration
 * problems (a missing environment variable, a URL that is wrong once filled in) are InputErrors
 * raised here, before any case runs; failures of the endpoint itself become failed cases.
 */
import { contentHash } from '../../core/ids.ts';
import type { Suite, TargetConfig } from '../contracts.ts';
import type { Target } from './agent.ts';
import { httpTarget } from './http.ts';
import { openaiTarget } from './openai.ts';

export function resolveTarget(config: TargetConfig, env: NodeJS.ProcessEnv = process.env): Target {
  return config.type === 'http' ? httpTarget(config, env) : openaiTarget(config, env);
}

/**
 * The version a run records for an external target: a hash of its configuration as the suite
 * writes it, with `${env.NAME}` references rather than their values, so no secret is hashed and
 * rotating a key does not make runs incomparable.
 */
export function targetVersion(config: TargetConfig): string {
  return contentHash(config);
}

/**
 * What the suite expects that the target cannot report: without a topic (or actions) in the reply,
 * the output says "no topic" (or "no action"), and topic_match would read that as off-topic.
 */
export function targetWarnings(suite: Suite, config: TargetConfig): string[] {
  const warnings: string[] = [];
  const reportsTopic = config.type === 'http' && config.response.topic !== undefined;
  const reportsActions = config.type === 'openai' || config.response.actions !== undefined;
  const topics = suite.cases.filter((c) => c.expectedTopic !== undefined).length;
  const actions = suite.cases.filter((c) => c.expectedActions !== undefined).length;
  if (topics && !reportsTopic) {
    warnings.push(`${topics} case(s) expect a topic, but the target reports none${config.type === 'http' ? ' (set response.topic)' : ''}: topic_match will see every message as off-topic`);
  }
  if (actions && !reportsActions) {
    warnings.push(`${actions} case(s) expect actions, but the target reports none (set response.actions): action checks will see no call`);
  }
  return warnings;
}
