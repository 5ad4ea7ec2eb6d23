/**
 * The built-in evaluators by name, how a case's setting of one is resolved, and the scoring of one
 * case by all that apply to it. An evaluator runs on a case when the case has what it needs
 * (appliesTo) or when a setting enables it explicitly; `enabled: false` turns it off. A thrown
 * evaluator becomes a score with an error, so one broken metric never loses the others.
 */
import { errorMessage } from '../../core/errors.ts';
import type { Embedder } from '../../knowledge/contracts.ts';
import type { LlmHandle } from '../../models/registry.ts';
import type { CaseOutput, Evaluator, EvaluatorSetting, Score, SuiteCase } from '../contracts.ts';
import { abstention } from './abstention.ts';
import { actionArguments } from './action-arguments.ts';
import { actionSequence } from './action-sequence.ts';
import { answerRelevance } from './answer-relevance.ts';
import { citationSupport } from './citation-support.ts';
import { citationsSupported } from './citations-supported.ts';
import { contains } from './contains.ts';
import { contextPrecision } from './context-precision.ts';
import { contextRecall } from './context-recall.ts';
import { correctness } from './correctness.ts';
import { costUsd } from './cost.ts';
import { faithfulness } from './faithfulness.ts';
import { jsonSchema } from './json-schema.ts';
import { latencyMs } from './latency.ts';
import { localJudge } from './local-judge.ts';
import { notContains } from './not-contains.ts';
import { regex } from './regex.ts';
import { rougeL } from './rouge-l.ts';
import { semanticSimilarity } from './semantic-similarity.ts';
import { tokenF1 } from './token-f1.ts';
import { tokens } from './tokens.ts';
import { topicMatch } from './topic-match.ts';

export interface EvaluatorDeps {
  /** The judge model of the model-graded evaluators; without one they do not run. */
  judge?: LlmHandle | null;
  /** The embedding model of `semantic_similarity`; without one it does not run. */
  embedder?: Embedder | null;
}

/**
 * Every built-in evaluator, by name. Model-graded ones and `semantic_similarity` are always listed
 * (a suite may name them) but apply to no case until their model is given.
 */
export function builtinEvaluators(opts: EvaluatorDeps = {}): Map<string, Evaluator> {
  const judge = opts.judge ?? null;
  const all: Evaluator[] = [
    topicMatch,
    actionSequence,
    actionArguments,
    contains,
    notContains,
    regex,
    jsonSchema,
    latencyMs,
    tokens,
    costUsd,
    abstention,
    citationsSupported,
    tokenF1,
    rougeL,
    semanticSimilarity(opts.embedder ?? null),
    localJudge,
    correctness(judge),
    faithfulness(judge),
    answerRelevance(judge),
    contextPrecision(judge),
    contextRecall(judge),
    citationSupport(judge),
  ];
  return new Map(all.map((e) => [e.name, e]));
}

/**
 * The setting of one evaluator for one case: the case's override on top of the suite's default,
 * key by key (options too, so a case can change one option and keep the others). The threshold
 * stays unset when neither gives one: the evaluator then uses its default.
 */
export function resolveSetting(
  evaluator: Pick<Evaluator, 'name'>,
  suiteSettings: Record<string, EvaluatorSetting> | undefined,
  caseSettings: Record<string, EvaluatorSetting> | undefined,
): EvaluatorSetting {
  const suite = suiteSettings?.[evaluator.name] ?? {};
  const own = caseSettings?.[evaluator.name] ?? {};
  const setting: EvaluatorSetting = {};
  const threshold = own.threshold ?? suite.threshold;
  const enabled = own.enabled ?? suite.enabled;
  if (threshold !== undefined) setting.threshold = threshold;
  if (enabled !== undefined) setting.enabled = enabled;
  if (suite.options || own.options) setting.options = { ...suite.options, ...own.options };
  return setting;
}

function failed(name: string, threshold: unknown, err: unknown): Score {
  const t = typeof threshold === 'number' && Number.isFinite(threshold) ? threshold : 0;
  return { evaluator: name, score: null, passed: null, threshold: t, reason: 'evaluator error', error: errorMessage(err) };
}

/**
 * Scores one case's output with every evaluator that applies, in registry order. Settings naming
 * no known evaluator are reported as errors on the case rather than ignored. A cancelled run
 * (signal aborted) throws instead of recording the cancellation as evaluator errors.
 */
export async function scoreCase(
  evaluators: Map<string, Evaluator>,
  c: SuiteCase,
  output: CaseOutput,
  suiteSettings: Record<string, EvaluatorSetting> = {},
  signal?: AbortSignal,
): Promise<Score[]> {
  const runs: Promise<Score | null>[] = [];
  for (const e of evaluators.values()) {
    const setting = resolveSetting(e, suiteSettings, c.evaluators);
    if (setting.enabled === false) continue;
    const run = async (): Promise<Score | null> => {
      try {
        if (setting.enabled !== true && !e.appliesTo(c, setting)) return null;
        return await e.evaluate(c, output, { setting, signal });
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        return failed(e.name, setting.threshold ?? e.defaultThreshold, err);
      }
    };
    runs.push(run());
  }
  const scores = (await Promise.all(runs)).filter((s): s is Score => s !== null);
  const named = new Set([...Object.keys(suiteSettings), ...Object.keys(c.evaluators ?? {})]);
  for (const name of named) {
    if (evaluators.has(name) || resolveSetting({ name }, suiteSettings, c.evaluators).enabled === false) continue;
    scores.push(failed(name, undefined, new Error(`unknown evaluator "${name}" (known: ${[...evaluators.keys()].join(', ')})`)));
  }
  return scores;
}
