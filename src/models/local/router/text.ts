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
