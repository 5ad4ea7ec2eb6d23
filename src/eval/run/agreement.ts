/**
 * How far two evaluators that grade the same thing agree, case by case: above all the offline
 * `local_judge` against the model-graded evaluators, so a team can tell whether the free judge
 * can stand in for the paid one on its own suite. The same figures will compare either judge with
 * people's reviews. Verdicts are compared as each evaluator's own threshold decided them, and
 * scores by rank, since the two score on scales that need not line up.
 */
import { cohensKappa, round4, spearman } from '../../core/stats.ts';
import type { CaseResult } from './aggregate.ts';

export interface JudgeAgreement {
  judge: string;
  /** The evaluator the judge is compared with. */
  with: string;
  /** Results both scored (each repeat of a case counts). */
  cases: number;
  /** Share of those where both gave the same pass/fail verdict. */
  agreement: number;
  /** Cohen's kappa of the verdicts; null where it is undefined (both always gave the same one verdict). */
  kappa: number | null;
  /** Spearman's rank correlation of the scores; null under 3 cases or when either is constant. */
  rankCorrelation: number | null;
  /** Cases where the judge passed what the other failed, and the reverse. */
  judgeOnlyPassed: number;
  judgeOnlyFailed: number;
}

/** The agreement of `judge` with each of `others` over the results both scored; pairs with no such result are left out. */
export function judgeAgreement(results: readonly CaseResult[], judge: string, others: readonly string[]): JudgeAgreement[] {
  const out: JudgeAgreement[] = [];
  for (const other of others) {
    const a: boolean[] = [];
    const b: boolean[] = [];
    const sa: number[] = [];
    const sb: number[] = [];
    for (const r of results) {
      const x = r.scores.find((s) => s.evaluator === judge);
      const y = r.scores.find((s) => s.evaluator === other);
      // An error or a case the evaluator does not apply to has no verdict to compare.
      if (x?.passed == null || y?.passed == null || x.score === null || y.score === null) continue;
      a.push(x.passed);
      b.push(y.passed);
      sa.push(x.score);
      sb.push(y.score);
    }
    if (a.length === 0) continue;
    const same = a.filter((v, i) => v === b[i]).length;
    out.push({
      judge,
      with: other,
      cases: a.length,
      agreement: round4(same / a.length),
      kappa: roundOrNull(cohensKappa(a, b)),
      rankCorrelation: roundOrNull(spearman(sa, sb)),
      judgeOnlyPassed: a.filter((v, i) => v && !b[i]).length,
      judgeOnlyFailed: a.filter((v, i) => !v && b[i]).length,
    });
  }
  return out;
}

const roundOrNull = (x: number | null) => (x === null ? null : round4(x));
