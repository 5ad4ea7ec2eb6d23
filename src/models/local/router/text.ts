/**
 * Text normalisation and tokenisation for the router. Everything the router sees passes through
 * `tokenize`, so training and prediction always agree on what a word is.
 */

const COMBINING_MARKS = /\p{M}+/gu;
// Apostrophes inside words are dropped rather than split on, so "don't" and "dont" meet.
const APOSTROPHES = /['’‘`]/g;
// Words are runs of letters/digits; currency and percent signs are kept as words of their own
// because they carry meaning in requests ("$1 charge", "20% off").
const TOKEN = /[\p{L}\p{N}]+|[$£€¥%@#]/gu;
const DIGITS = /\p{Nd}+/gu;

export interface TokenizeOptions {
  /** Replace every run of digits with a single `0`: "2 weeks" and "3 weeks" become one pattern. */
  digits?: boolean;
}

/** Lower-cases, folds accents and width variants, and splits into word tokens. */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  let s = text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(APOSTROPHES, '');
  if (options.digits !== false) s = s.replace(DIGITS, '0');
  return s.match(TOKEN) ?? [];
}

/** Splits prose (a topic description) into sentences, dropping fragments too short to teach anything. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?;])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => tokenize(s).length >= 2);
}

const VOWEL = /[aeiouy]/;
const DOUBLED_END = /([^aeiouslz])\1$/;

/**
 * A light English stemmer for word features: strips plural -s/-es/-ies, -ed, -ing and a final -e, so
 * "charge", "charged", "charges" and "charging" meet, and so do "transfer" and "transferred". It
 * never merges words across meanings the way aggressive stemmers do, and leaves short words alone.
 */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    const base = w.slice(0, -suffix.length);
    if (w.endsWith(suffix) && base.length >= 3 && VOWEL.test(base)) {
      // "topped" -> "topp" -> "top", but "called" keeps its "ll".
      w = DOUBLED_END.test(base) ? base.slice(0, -1) : base;
      break;
    }
  }
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}
