/**
 * Phrase search for `contains` and `not_contains`: substring search after NFC normalisation and
 * whitespace collapsing (a phrase wrapped over two lines still matches), case-insensitive unless
 * asked otherwise.
 */

function fold(text: string, caseSensitive: boolean): string {
  const t = text.normalize('NFC').replace(/\s+/g, ' ').trim();
  // The root locale lowercases as toLowerCase does, which is several times faster.
  return caseSensitive ? t : t.toLowerCase();
}

/** The phrases found in the text and those not found, in the given order. */
export function findPhrases(text: string, phrases: readonly string[], caseSensitive: boolean): { found: string[]; absent: string[] } {
  const haystack = fold(text, caseSensitive);
  const found: string[] = [];
  const absent: string[] = [];
  for (const p of phrases) (haystack.includes(fold(p, caseSensitive)) ? found : absent).push(p);
  return { found, absent };
}
