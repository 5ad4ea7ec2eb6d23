/**
 * Attributes a failed case to the first stage of the turn pipeline that went wrong. Each failed
 * evaluator points at the stage it measures, and the output adds what no evaluator checks
 * (retrieval that missed an expected source, a failed action); the earliest stage in
 * pipeline order is the root cause, since everything after it worked from its mistake.
 */
import type { CaseOutput, Score, SuiteCase } from '../contracts.ts';

/** `guard` is blamed when a guard stopped the turn: everything after it never ran. */
export const STAGES = ['guard', 'route', 'retrieve', 'act', 'respond', 'cite'] as const;
export type Stage = (typeof STAGES)[number];

const EVALUATOR_STAGE: Record<string, Stage> = {
  topic_match: 'route',
  context_precision: 'retrieve',
  context_recall: 'retrieve',
  action_sequence: 'act',
  action_arguments: 'act',
  citations_supported: 'cite',
  citation_support: 'cite',
  faithfulness: 'cite',
};

/** The stage a failing evaluator blames; every answer-quality and budget metric falls on `respond`. */
export function stageOf(evaluator: string): Stage {
  return EVALUATOR_STAGE[evaluator] ?? 'respond';
}

export interface RootCause {
  stage: Stage;
  /** What went wrong there, for the report. */
  reason: string;
}

/** Null for a case that passed. */
export function rootCause(c: SuiteCase, out: CaseOutput, scores: Score[]): RootCause | null {
  const found: RootCause[] = [];
  for (const s of scores) {
    if (s.passed === false || (s.passed === null && s.error)) found.push({ stage: stageOf(s.evaluator), reason: `${s.evaluator}: ${s.error ?? s.reason}` });
  }
  // A failed action or turn is not a failure by itself (a case may expect "no such order"); it
  // only tells where a failure the evaluators found began.
  if (found.length === 0 && out.status !== 'error') return null;

  // Like a failed action, a block is no failure by itself (a jailbreak case expects one); it only
  // tells where a failure began, and nothing ran after it.
  if (out.blocked) found.push({ stage: 'guard', reason: `the ${out.blocked.stage} guard blocked the turn: ${out.blocked.reason}` });
  const expected = out.stages?.chunks.expected;
  if (c.expectedSources && expected && expected.recall < 1) {
    found.push({ stage: 'retrieve', reason: `expected sources not retrieved: ${expected.missing.join(', ')}` });
  }
  const failedAction = out.actions.find((a) => !a.ok);
  if (failedAction) found.push({ stage: 'act', reason: `action ${failedAction.name} failed` });
  if (out.status === 'error' || (out.status === 'failed' && !failedAction)) found.push({ stage: 'act', reason: out.error ?? `turn ${out.status}` });
  found.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
  return found[0] ?? null;
}
