/**
 * Sentence splitting and a light tokenizer shared by the local answerer and argument extractor.
 * Matching is lexical: words are lower-cased, stop words dropped and common English suffixes
 * stripped so "returns", "returned" and "return" meet on the same stem.
 */

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

// ICU breaks after any period followed by a capital; these endings are almost never a sentence end.
const ABBREVIATION = /(?:^|\s)(?:mr|mrs|ms|dr|prof|st|no|vs|approx|dept|inc|ltd|co|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|[a-z])\.\s*$/i;
const LIST_OR_HEADING = /^\s*(?:[-*+•]\s+|#{1,6}\s+|\d{1,3}[.)]\s+)/;
const TERMINAL = /[.!?:;]["')\]]?\s*$/;

/**
 * Lines of a block that belong to one wrapped sentence are joined; list items, headings and
 * short key/value lines stay separate, because ICU treats every line break as a sentence break.
 */
const TABLE_ROW = / \| /;

function joinWrappedLines(block: string): string[] {
  const lines = block.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const out: string[] = [];
  for (const line of lines) {
    const prev = out.at(-1);
    // A table row (`cell | cell`) is a unit of its own: joined to its neighbours it would be quoted whole.
    const continues =
      prev !== undefined &&
      !TABLE_ROW.test(line) &&
      !TABLE_ROW.test(prev) &&
      !LIST_OR_HEADING.test(line) &&
      !/^\s*#/.test(prev) &&
      (/^\s*[a-z]/.test(line) || (!TERMINAL.test(prev) && prev.trim().length > 40));
    if (continues) out[out.length - 1] = `${prev} ${line.trim()}`;
    else out.push(line);
  }
  return out;
}

function stripMarkers(sentence: string): string {
  return sentence.replace(LIST_OR_HEADING, '').replace(/\s+/g, ' ').trim();
}

/** Splits text into sentences; list markers and heading hashes are removed from each. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    for (const line of joinWrappedLines(block)) {
      let pending = '';
      for (const { segment } of segmenter.segment(line)) {
        pending += segment;
        if (ABBREVIATION.test(pending)) continue;
        const clean = stripMarkers(pending);
        if (clean) sentences.push(clean);
        pending = '';
      }
      const rest = stripMarkers(pending);
      if (rest) sentences.push(rest);
    }
  }
  return sentences;
}

export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but if then than so of to in on at by for with about from into over as is are was were be been being am ' +
    'do does did doing have has had having i me my mine we us our ours you your yours he him his she her it its they them their ' +
    'this that these those there here what which who whom whose how when where why can could would should will shall may might must ' +
    'please hi hello hey thanks thank ok okay just also very too any some all each much many more most such own same other ' +
    'not no nor only up down out off again once let tell know want like get got need would im ive id youre dont doesnt cant ' +
    'whats thats theres heres hows wheres whos isnt arent wasnt didnt wont youll ill lets youve weve theyre ' +
    'something anything thing things way yes yeah take takes taking took'
  ).split(' '),
);

const DOUBLE_CONSONANT = /([bcdfgklmnprtvz])\1$/;

/** A light suffix stripper: enough for plural and tense variants to meet, not a full stemmer. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);

  let stripped = false;
  if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ing') && w.length > 5) [w, stripped] = [w.slice(0, -3), true];
  else if (w.endsWith('ed') && w.length > 4) [w, stripped] = [w.slice(0, -2), true];
  else if (w.endsWith('ment') && w.length > 7) w = w.slice(0, -4);
  else if (w.endsWith('ly') && w.length > 5) w = w.slice(0, -2);

  if (stripped && DOUBLE_CONSONANT.test(w) && (!w.endsWith('ll') || w.length > 4)) w = w.slice(0, -1);
  // "charge"/"charged" and "receive"/"received" meet once the silent e is gone.
  if (w.length > 4 && w.endsWith('e') && !w.endsWith('ee')) w = w.slice(0, -1);
  return w;
}

/** Raw word tokens: lower case, letters and digits, apostrophes dropped ("don't" -> "dont"). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Content tokens for matching: words without stop words, stemmed. */
export function tokenize(text: string): string[] {
  return words(text)
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
}
