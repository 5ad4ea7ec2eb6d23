/**
 * The summary of a finished run: aggregates, the gate verdict, how far the local judge agrees with
 * the model judges and, with repeats, how consistent the agent was. LLM agents are not deterministic: pass^k (every one of k repeats passed) says how
 * often a case can be relied on, where the plain pass rate says how often it happened to pass.
 */
import type { GateCriterion } from '../contracts.ts';
import { localJudge } from '../evaluators/local-judge.ts';
import { aggregate, type CaseResult, type RunAggregates } from './aggregate.ts';
import { judgeAgreement, type JudgeAgreement } from './agreement.ts';
import { evaluateGate, type GateVerdict } from './gate.ts';
import { round4 } from '../../core/stats.ts';

export interface Consistency {
  repeats: number;
  /** Cases whose repeats all got the same verdict. */
  agreement: number;
  /** Cases that passed in every repeat. */
  passAll: number;
  /** Cases that passed in at least one repeat. */
  passAny: number;
}

export interface RunSummary extends RunAggregates {
  gate: GateVerdict;
  consistency: Consistency | null;
  /** local_judge against each model-graded evaluator that scored the same cases. Absent from runs recorded before it was. */
  judgeAgreement?: JudgeAgreement[];
  failed: { caseId: string; repeat: number; stage: string | null; reason: string; traceIds: string[] }[];
}

/** `modelGraded`: the names of the run's model-graded evaluators, which the local judge is compared with. */
export function summarize(results: CaseResult[], gate: GateCriterion[], repeats: number, modelGraded: readonly string[] = []): RunSummary {
  const byCase = Map.groupBy(results, (r) => r.caseId);
  const consistency: Consistency | null =
    repeats > 1
      ? {
          repeats,
          agreement: rate([...byCase.values()].map((rs) => rs.every((r) => r.passed === rs[0].passed))),
          passAll: rate([...byCase.values()].map((rs) => rs.every((r) => r.passed))),
          passAny: rate([...byCase.values()].map((rs) => rs.some((r) => r.passed))),
        }
      : null;
  return {
    ...aggregate(results),
    gate: evaluateGate(gate, results),
    consistency,
    judgeAgreement: judgeAgreement(results, localJudge.name, modelGraded),
    failed: results
      .filter((r) => !r.passed)
      .map((r) => ({ caseId: r.caseId, repeat: r.repeat, stage: r.rootCause?.stage ?? null, reason: r.rootCause?.reason ?? 'failed', traceIds: r.traceIds })),
  };
}

const rate = (flags: boolean[]) => (flags.length ? round4(flags.filter(Boolean).length / flags.length) : 0);
