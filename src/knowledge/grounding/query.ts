import { detectAll } from 'tinyld';
import { InputError } from '../../core/errors.ts';
import { countTokens } from '../../models/tokens.ts';

/**
 * Stage 1 of the grounded answer: the user's question made fit for retrieval, and measured. The
 * flags let a trace show at a glance why retrieval found nothing (an empty or over-long query,
 * a language the knowledge is not written in).
 */

export const DEFAULT_MAX_QUERY_TOKENS = 512;

export interface QueryOptions {
  /** Longest query kept, in o200k tokens; longer ones are cut at a word boundary. Default 512. */
  maxTokens?: number;
  /**
   * ISO 639-1 codes the agent expects (e.g. its knowledge languages). Detection then only chooses
   * among them, which is far more reliable on the few words of a query.
   */
  languages?: string[];
}

export interface ProcessedQuery {
  original: string;
  /** What retrieval should search: normalised and capped at `maxTokens`. */
  normalized: string;
  /** ISO 639-1 code, or `und` when the text is too short or too ambiguous to tell. */
  language: string;
  /** Characters (code points) of the normalised query before the cap. */
  chars: number;
  /** o200k tokens of the normalised query before the cap, so `tokens > maxTokens` exactly when over-long. */
  tokens: number;
  /** Nothing searchable is left: no letter or digit after normalisation. */
  empty: boolean;
  overLong: boolean;
  truncated: boolean;
}

// Zero-width and bidirectional-control characters: invisible, they only split words in the index
// (and bidi overrides are a known way to hide text from a reader).
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
// Control characters other than whitespace, which is collapsed below.
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;
const SEARCHABLE = /[\p{L}\p{N}]/u;

/** NFKC, invisible and control characters removed, whitespace collapsed, trimmed. */
export function normalizeQuery(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

// tinyld's score for its best guess; below this (typical of two or three common words) the guess
// is no better than chance among related languages.
const MIN_LANGUAGE_SCORE = 0.1;
// Detection looks at a prefix: a few hundred characters decide as well as the whole text.
const DETECTION_CHARS = 1_000;
const MAX_CHARS_PER_TOKEN = 256;

/** ISO 639-1 code of the text's language, or `und`. */
export function detectLanguage(text: string, languages?: string[]): string {
  const sample = text.slice(0, DETECTION_CHARS);
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters < 3) return 'und';
  const only = languages?.map((l) => l.toLowerCase());
  const ranked = detectAll(sample, only?.length ? { only } : {});
  const [best, second] = ranked;
  if (!best || best.accuracy < MIN_LANGUAGE_SCORE) return 'und';
  if (second && second.accuracy === best.accuracy) return 'und';
  return best.lang;
}

/**
 * The longest prefix within `maxTokens`, cut between graphemes (an emoji or an accented letter is
 * never split) and, where the prefix has a space, at the last word boundary.
 */
function capTokens(text: string, maxTokens: number): string {
  // o200k tokens are far shorter than this, so the cut always falls inside the window and a
  // megabyte of pasted text costs no more than a few kilobytes.
  const window = text.slice(0, maxTokens * MAX_CHARS_PER_TOKEN + 1);
  const ends = [0];
  for (const { index, segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(window)) ends.push(index + segment.length);
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(text.slice(0, ends[mid])) <= maxTokens) lo = mid;
    else hi = mid - 1;
  }
  const prefix = text.slice(0, ends[lo]);
  // The cut usually lands inside a word; drop the partial word unless it is the only one.
  const space = prefix.lastIndexOf(' ');
  const atWord = ends[lo] < text.length && text[ends[lo]] !== ' ' && space > 0 ? prefix.slice(0, space) : prefix;
  return atWord.trimEnd();
}

export function processQuery(text: string, options: QueryOptions = {}): ProcessedQuery {
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_QUERY_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new InputError(`maxTokens must be a positive integer, got ${maxTokens}`, [{ path: 'maxTokens', message: 'must be a positive integer' }]);
  }
  const full = normalizeQuery(text);
  const tokens = countTokens(full);
  const overLong = tokens > maxTokens;
  const normalized = overLong ? capTokens(full, maxTokens) : full;
  const empty = !SEARCHABLE.test(normalized);
  return {
    original: text,
    normalized,
    language: empty ? 'und' : detectLanguage(normalized, options.languages),
    chars: [...full].length,
    tokens,
    empty,
    overLong,
    truncated: normalized !== full,
  };
}
