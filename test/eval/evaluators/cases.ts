import type { CaseOutput, EvalContext, Evaluator, EvaluatorSetting, Score, SuiteCase } from '../../../src/eval/contracts.ts';

/** A case with only what a test sets; the location is fixed so messages can be asserted. */
export function suiteCase(over: Partial<SuiteCase> = {}): SuiteCase {
  return { id: 'case-1', utterance: 'Where is my order A1001?', tags: [], location: { file: 'suites/support.yaml', line: 12 }, ...over };
}

/** A completed output with nothing observed but what a test sets. */
export function caseOutput(over: Partial<CaseOutput> = {}): CaseOutput {
  return {
    status: 'completed',
    reply: '',
    topic: null,
    actions: [],
    sources: [],
    context: [],
    retrieved: [],
    latencyMs: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    traceIds: ['trace-1'],
    stages: null,
    error: null,
    ...over,
  };
}

/** The output of a case that failed before the agent replied. */
export const failedOutput = (error = 'model call failed'): CaseOutput => caseOutput({ status: 'error', reply: null, error });

export async function run(e: Evaluator, c: SuiteCase, out: CaseOutput, setting: EvaluatorSetting = {}, extra: Partial<EvalContext> = {}): Promise<Score> {
  return e.evaluate(c, out, { setting, ...extra });
}
