import { tokenize } from '../../models/local/sentences.ts';

/**
 * The lexical measure behind the offline relevance and support checks: which share of a text's
 * content terms, each weighted by how rare it is, another text contains. Rare terms ("tent",
 * "30") decide; terms found everywhere ("return" in a returns policy) count for little.
 */

export interface IdfTable {
  idf(term: string): number;
}

/** Inverse document frequency over the given documents (each a list of terms). A term in none gets the highest weight. */
export function idfTable(documents: Iterable<Iterable<string>>): IdfTable {
  const df = new Map<string, number>();
  let n = 0;
  for (const doc of documents) {
    n++;
    for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  return {
    idf: (term) => {
      const d = df.get(term) ?? 0;
      return Math.log(1 + (n - d + 0.5) / (d + 0.5));
    },
  };
}

/** Idf-weighted share of `terms` (deduplicated) that `present` holds, 0..1; 0 for no terms. */
export function weightedCoverage(terms: readonly string[], present: ReadonlySet<string>, table: IdfTable): number {
  let total = 0;
  let covered = 0;
  for (const t of new Set(terms)) {
    const w = table.idf(t);
    total += w;
    if (present.has(t)) covered += w;
  }
  return total === 0 ? 0 : covered / total;
}

/**
 * Content terms of a question. "How long", "how much": the second word is part of the question
 * form, not its subject, so it must not have to appear in the answer or the chunk.
 */
export function questionTerms(question: string): string[] {
  return [...new Set(tokenize(withoutQuestionForm(question)))];
}

export function withoutQuestionForm(question: string): string {
  return question.replace(/\bhow (long|much|many|soon|often|far)\b/gi, 'how');
}
