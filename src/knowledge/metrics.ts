/**
 * Ranking metrics as BEIR reports them (pytrec_eval / trec_eval conventions): graded relevance from
 * the qrels, a document relevant when its grade is ≥ 1, nDCG with linear gain (the grade itself)
 * and log2 discount, recall over all relevant documents of the query, and reciprocal rank of the
 * first relevant document within the cutoff.
 */

/** Query id → document id → relevance grade. */
export type Qrels = Map<string, Map<string, number>>;

/** Query id → document ids, best first. */
export type Run = Map<string, string[]>;

export function ndcgAt(ranked: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0;
  const seen = new Set<string>();
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    // A document listed twice earns its gain once, as trec_eval reads a run.
    if (seen.has(ranked[i])) continue;
    seen.add(ranked[i]);
    dcg += gain(judged.get(ranked[i])) / Math.log2(i + 2);
  }
  const ideal = [...judged.values()].map(gain).filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAt(ranked: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  const relevant = [...judged.values()].filter(isRelevant).length;
  if (relevant === 0) return 0;
  const found = new Set(ranked.slice(0, k).filter((id) => isRelevant(judged.get(id))));
  return found.size / relevant;
}

export function reciprocalRankAt(ranked: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  const i = ranked.slice(0, k).findIndex((id) => isRelevant(judged.get(id)));
  return i < 0 ? 0 : 1 / (i + 1);
}

export interface RunMetrics {
  /** Mean over the judged queries; a query the run has no ranking for scores 0. */
  ndcg: number;
  recall: number;
  recallAt100: number;
  mrr: number;
  queries: number;
}

/** Means over every query of the qrels, with `k` the cutoff of nDCG, recall and MRR. */
export function evaluateRun(run: Run, qrels: Qrels, k: number): RunMetrics {
  let ndcg = 0;
  let recall = 0;
  let recallAt100 = 0;
  let mrr = 0;
  for (const [query, judged] of qrels) {
    const ranked = run.get(query) ?? [];
    ndcg += ndcgAt(ranked, judged, k);
    recall += recallAt(ranked, judged, k);
    recallAt100 += recallAt(ranked, judged, 100);
    mrr += reciprocalRankAt(ranked, judged, k);
  }
  const n = qrels.size;
  return n === 0
    ? { ndcg: 0, recall: 0, recallAt100: 0, mrr: 0, queries: 0 }
    : { ndcg: ndcg / n, recall: recall / n, recallAt100: recallAt100 / n, mrr: mrr / n, queries: n };
}

function gain(grade: number | undefined): number {
  return grade !== undefined && grade > 0 ? grade : 0;
}

function isRelevant(grade: number | undefined): boolean {
  return grade !== undefined && grade >= 1;
}
