/**
 * Text normalisation and overlap measures for the reference-based evaluators. Normalisation is
 * SQuAD's (lower case, punctuation removed, English articles dropped, whitespace collapsed), made
 * Unicode-aware: punctuation and symbols of any script are removed, text is NFKC-normalised, and
 * Han and kana characters, written without spaces, count as one token each.
 */

const PUNCTUATION = /[\p{P}\p{S}]/gu;
const ARTICLES = /(?<![\p{L}\p{N}])(?:a|an|the)(?![\p{L}\p{N}])/gu;
const UNSPACED = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])/gu;

export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(PUNCTUATION, '')
    .replace(ARTICLES, ' ')
    .replace(UNSPACED, ' $1 ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function answerTokens(text: string): string[] {
  const n = normalizeAnswer(text);
  return n === '' ? [] : n.split(' ');
}

export interface Overlap {
  precision: number;
  recall: number;
  f1: number;
}

const fMeasure = (p: number, r: number, beta = 1) => (p + r === 0 ? 0 : ((1 + beta * beta) * p * r) / (r + beta * beta * p));

/**
 * SQuAD token F1 on the bag of tokens. Two empty texts agree (1); one empty text against a
 * non-empty one scores 0.
 */
export function tokenOverlap(prediction: string[], reference: string[]): Overlap {
  if (prediction.length === 0 || reference.length === 0) {
    const same = prediction.length === reference.length ? 1 : 0;
    return { precision: same, recall: same, f1: same };
  }
  const counts = new Map<string, number>();
  for (const t of reference) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of prediction) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      common += 1;
      counts.set(t, left - 1);
    }
  }
  const precision = common / prediction.length;
  const recall = common / reference.length;
  return { precision, recall, f1: fMeasure(precision, recall) };
}

/** Length of the longest common subsequence, in two rows of memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Uint32Array(b.length + 1);
  let row = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    [prev, row] = [row, prev];
  }
  return prev[b.length];
}

/** ROUGE-L: precision and recall of the LCS, combined as F-beta (beta > 1 weighs recall more). */
export function rougeL(prediction: string[], reference: string[], beta = 1): Overlap {
  if (prediction.length === 0 || reference.length === 0) {
    const same = prediction.length === reference.length ? 1 : 0;
    return { precision: same, recall: same, f1: same };
  }
  const lcs = lcsLength(prediction, reference);
  const precision = lcs / prediction.length;
  const recall = lcs / reference.length;
  return { precision, recall, f1: fMeasure(precision, recall, beta) };
}
