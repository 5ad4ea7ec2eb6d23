/**
 * Key facts of a reference answer, for the offline judge: the things a correct reply cannot
 * paraphrase away. Numbers (matched by value: "20" and "20.00" agree, and a reply may spell small
 * numbers out), identifiers (order numbers, SKUs, codes with letters and digits, e-mail addresses,
 * URLs; matched ignoring case and separators: "RMA-2231" and "rma 2231" agree) and names
 * (capitalised words inside a sentence, or acronyms; matched ignoring case). Lexical and
 * English-leaning: "March 1" is not "03-01", and a lower-case name is not recognised.
 */
import { splitSentences } from '../../models/local/sentences.ts';

export interface KeyFact {
  kind: 'number' | 'id' | 'name';
  /** As written in the reference. */
  text: string;
}

const URL_OR_EMAIL = /\bhttps?:\/\/[^\s<>"')\]]+[^\s<>"')\].,;:!?]|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu;
// Words, with their - and _ joins; isId picks the identifiers among them.
const WORD = /(?<![\p{L}\p{N}])[\p{L}\p{N}]+(?:[_-][\p{L}\p{N}]+)*(?![\p{L}\p{N}])/gu;
// Bounded by spaced scripts only: in Chinese or Japanese a number sits right against the words.
const NUMBER = /(?<![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{N}.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{N}])/gu;
const ACRONYM = /^\p{Lu}{2,}$/u;
const CAPITALISED = /^\p{Lu}[\p{Ll}\p{Lu}'’]*$/u;
// Capitalised for grammar, not because they name something.
const NOT_NAMES = new Set(['i', 'im', 'ive', 'id', 'ill', 'ok', 'okay', 'yes', 'no', 'mr', 'mrs', 'ms', 'dr']);

const NUMBER_WORDS: Record<string, number> = Object.fromEntries([
  ...'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
    .split(' ')
    .map((w, i) => [w, i] as const),
  ...'thirty forty fifty sixty seventy eighty ninety'.split(' ').map((w, i) => [w, 30 + 10 * i] as const),
]);

/** "1,000" → 1000, "1,5" → 1.5, "20.00" → 20. */
export function numberValue(text: string): number {
  const t = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(text) ? text.replace(/,/g, '') : text.replace(',', '.');
  return Number(t);
}

/** A1001, v2, SKU_12 (letters and digits in one part), RMA-2231 (capitals joined to digits); not "30-day". */
function isId(word: string): boolean {
  const parts = word.split(/[_-]/);
  // An unspaced run of Chinese or Japanese with a digit in it is a phrase, not a code.
  if (!parts.every((p) => /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{N}]+$/u.test(p))) return false;
  if (parts.some((p) => /\p{L}/u.test(p) && /\p{N}/u.test(p))) return true;
  return parts.length > 1 && parts.some((p) => /^\p{Lu}+$/u.test(p)) && parts.some((p) => /^\p{N}+$/u.test(p));
}

function ids(text: string): string[] {
  return (text.match(WORD) ?? []).filter(isId);
}

const withoutIds = (text: string) => text.replace(WORD, (w) => (isId(w) ? ' ' : w));

const compact = (text: string) => text.toLowerCase().replace(/[\s_-]+/g, '');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function names(text: string): string[] {
  const found: string[] = [];
  for (const sentence of splitSentences(text)) {
    const tokens = sentence.split(/\s+/).map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').replace(/['’]s$/, ''));
    let run: string[] = [];
    let runStart = 0;
    const flush = () => {
      // A sentence's first word is capitalised anyway: alone it names nothing, in a run it may ("New York").
      const sentenceStart = runStart === 0 && run.length === 1 && !ACRONYM.test(run[0]);
      if (run.length > 0 && !sentenceStart) found.push(run.join(' '));
      run = [];
    };
    tokens.forEach((w, i) => {
      const name = w !== '' && (CAPITALISED.test(w) || ACRONYM.test(w)) && !NOT_NAMES.has(w.toLowerCase().replace(/['’]/g, ''));
      if (!name) return flush();
      if (run.length === 0) runStart = i;
      run.push(w);
    });
    flush();
  }
  return found;
}

/** The reference's key facts, each once, in order of appearance within each kind. */
export function keyFacts(reference: string): KeyFact[] {
  const facts: KeyFact[] = [];
  const seen = new Set<string>();
  const add = (kind: KeyFact['kind'], text: string, key: string) => {
    if (seen.has(`${kind}:${key}`)) return;
    seen.add(`${kind}:${key}`);
    facts.push({ kind, text });
  };
  const links = reference.match(URL_OR_EMAIL) ?? [];
  for (const l of links) add('id', l, compact(l));
  const rest = reference.replace(URL_OR_EMAIL, ' ');
  for (const id of ids(rest)) add('id', id, compact(id));
  const plain = withoutIds(rest);
  for (const n of plain.match(NUMBER) ?? []) add('number', n, String(numberValue(n)));
  for (const name of names(plain)) add('name', name, name.toLowerCase());
  return facts;
}

/** The numbers a reply states, as values: digits, and small numbers spelled out. */
function replyNumbers(reply: string): Set<number> {
  const values = new Set<number>();
  for (const n of withoutIds(reply).match(NUMBER) ?? []) values.add(numberValue(n));
  for (const w of reply.toLowerCase().split(/[^\p{L}]+/u)) if (w in NUMBER_WORDS) values.add(NUMBER_WORDS[w]);
  return values;
}

/** Whether the reply states the fact. */
export function factMatcher(reply: string): (fact: KeyFact) => boolean {
  const numbers = replyNumbers(reply);
  const text = reply.normalize('NFKC');
  return (fact) => {
    if (fact.kind === 'number') return numbers.has(numberValue(fact.text));
    // Separators inside ids and spaces inside names may differ; the boundaries may not.
    const parts = fact.text.normalize('NFKC').split(fact.kind === 'id' && !/[@/]/.test(fact.text) ? /[\s_-]+/ : /\s+/);
    const pattern = parts.map(escape).join(fact.kind === 'id' ? '[\\s_-]*' : '\\s+');
    return new RegExp(`(?<![\\p{L}\\p{N}])${pattern}(?![\\p{L}\\p{N}])`, 'iu').test(text);
  };
}
