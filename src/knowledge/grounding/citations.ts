import { InputError } from '../../core/errors.ts';
import { renderActionResult } from '../../models/local/render-result.ts';
import { splitSentences, stem, tokenize, words } from '../../models/local/sentences.ts';
import { idfTable, weightedCoverage } from './coverage.ts';
import type { ChunkId, ContextPassage } from './handoff.ts';
import { passageHeading } from './handoff.ts';
import { isAbstention } from './relevance.ts';
import { round4 } from '../../core/stats.ts';

/**
 * Stage 6: every `[n]` of an answer checked against passage n. A sentence is supported when one
 * passage it cites covers its content terms (idf-weighted, so the rare words decide) and contains
 * every number and identifier it states: "within 60 days [1]" against a passage saying 30 is not
 * supported however many other words match.
 */

export interface CitablePassage {
  id: ChunkId;
  text: string;
  title?: string;
  sectionPath?: string[];
}

export interface CitationOptions {
  /** Coverage, 0..1, at which a passage supports a sentence. Default 0.6. */
  threshold?: number;
  /** The agent's own phrases (greeting, sign-off, persona introduction): sentences of them make no claim. */
  boilerplate?: string[];
}

export interface CheckedSentence {
  /** The sentence without its markers. */
  text: string;
  /** Passage numbers it cites; for an inherited sentence, those of the sentence that closes its run. */
  citations: number[];
  /** Uncited, but followed in its paragraph by a cited sentence whose marker closes the run ("A. B [1]."). */
  inherited: boolean;
  /** null: makes no claim (greeting, question, abstention, sign-off). */
  supported: boolean | null;
  /** Best coverage of the sentence by one of its cited passages, 0..1. */
  support: number;
  bestCitation: number | null;
  /** Numbers and identifiers of the sentence that the best cited passage lacks. */
  missingNumbers: string[];
}

export interface CitationCheck {
  sentences: CheckedSentence[];
  /** Citations written: each marker number of each sentence, invalid ones included. */
  made: number;
  /** Of those, the ones whose passage supports their sentence. */
  supported: number;
  /** Sentences that make a claim no cited passage supports (uncited claims included). */
  unsupported: string[];
  /** Marker numbers with no passage, ascending. */
  invalid: number[];
  /** Valid passage numbers cited, in order of first citation. */
  citedPassages: number[];
}

export interface AnswerSource {
  n: number;
  id: ChunkId;
  title: string;
  section: string;
  documentPath?: string;
  link?: string | null;
}

export const DEFAULT_SUPPORT_THRESHOLD = 0.6;

const MARKER = /\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]/g;
const MAX_RANGE = 50;
const TRAILING_MARKERS = /([.!?]+)((?:[ \t]*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\])+)/g;
const NON_CLAIM = [
  /^(?:hi|hello|hey|greetings|good (?:morning|afternoon|evening|day)|welcome)\b/i,
  /^(?:sure|certainly|of course|absolutely|happy to help|glad to help|great question|here(?:['’]s| is| are) what)\b/i,
  /^(?:i['’]m|i am|this is|my name is) \p{Lu}/iu,
  /^(?:thanks|thank you|you['’]re welcome|hope (?:this|that|it) helps|let me know|feel free|have a (?:great|nice|good|lovely)|cheers|best regards|kind regards|anything else)\b/i,
];
// A greeting that runs on ("Sure, returns are accepted within 30 days") is a claim.
const MAX_NON_CLAIM_TERMS = 4;

function parseMarker(marker: string): number[] {
  const out: number[] = [];
  for (const part of marker.slice(1, -1).split(/[,;]/)) {
    const range = /^\s*(\d+)\s*[–-]\s*(\d+)\s*$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to >= from && to - from <= MAX_RANGE) for (let n = from; n <= to; n++) out.push(n);
      else out.push(from, to);
    } else out.push(Number(part.trim()));
  }
  return out;
}

interface RawSentence {
  text: string;
  markers: number[];
  paragraph: number;
}

/**
 * Sentences with their markers. Markers written after the full stop belong to the sentence before
 * it, as do markers that open a sentence (after a line break, say) when one precedes in the paragraph.
 */
function answerSentences(answer: string): RawSentence[] {
  const out: RawSentence[] = [];
  // "30 days.[1]" and "30 days. [1] After": the segmenter breaks inside or before such a marker.
  const markersInside = answer.replace(TRAILING_MARKERS, (_, stop: string, markers: string) => ` ${markers.trim()}${stop}`);
  markersInside.replace(/\r\n?/g, '\n').split(/\n\s*\n/).forEach((block, paragraph) => {
    for (const sentence of splitSentences(block)) {
      const leading = /^(?:\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\])+/.exec(sentence)?.[0] ?? '';
      const previous = out.at(-1);
      let rest = sentence;
      if (leading && previous?.paragraph === paragraph) {
        previous.markers.push(...(leading.match(MARKER) ?? []).flatMap(parseMarker));
        rest = sentence.slice(leading.length);
      }
      const markers = (rest.match(MARKER) ?? []).flatMap(parseMarker);
      const text = rest.replace(MARKER, ' ').replace(/\s+([.,;:!?])/g, '$1').replace(/\s+/g, ' ').trim();
      if (!/[\p{L}\p{N}]/u.test(text)) {
        if (previous && previous.paragraph === paragraph) previous.markers.push(...markers);
        else if (markers.length) out.push({ text, markers, paragraph });
        continue;
      }
      out.push({ text, markers, paragraph });
    }
  });
  return out.map((s) => ({ ...s, markers: [...new Set(s.markers)] }));
}

function simplified(text: string): string {
  return words(text).join(' ');
}

function makesNoClaim(text: string, boilerplate: Set<string>, boilerplateText: string): boolean {
  if (/\?["')\]]*$/.test(text) || isAbstention(text)) return true;
  const terms = tokenize(text);
  if (terms.length === 0) return true;
  const plain = simplified(text);
  if (boilerplate.has(plain) || (plain.length > 0 && boilerplateText.includes(plain))) return true;
  return terms.length <= MAX_NON_CLAIM_TERMS && NON_CLAIM.some((p) => p.test(text));
}

interface PreparedPassage {
  stems: Set<string>;
  raw: Set<string>;
}

// "Cannot" is not a stop word of the tokenizer, but a friendly voice writes it "can't" (one is).
const SENTENCE_STOPWORDS = new Set(['cannot']);

function sentenceTerms(text: string): string[] {
  return tokenize(text).filter((t) => !SENTENCE_STOPWORDS.has(t));
}

function numbersOf(text: string): string[] {
  return [...new Set(words(text).filter((w) => /\d/.test(w)))];
}

/** Checks each sentence of the answer against the passages it cites (or the ones its run's marker cites). */
export function checkCitations(answer: string, passages: ReadonlyMap<number, CitablePassage>, options: CitationOptions = {}): CitationCheck {
  const threshold = options.threshold ?? DEFAULT_SUPPORT_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) throw new InputError(`threshold must be in (0, 1], got ${threshold}`, [{ path: 'threshold', message: 'must be in (0, 1]' }]);
  const boilerplateSentences = (options.boilerplate ?? []).flatMap((b) => splitSentences(b)).map(simplified).filter(Boolean);
  const boilerplate = new Set(boilerplateSentences);
  const boilerplateText = boilerplateSentences.join(' | ');

  // Action results are JSON; the answerer quotes them as rendered sentences ("Order ID: A1234.").
  const passageTexts = new Map([...passages].map(([n, p]) => {
    const body = typeof p.id === 'string' && p.id.startsWith('action:') ? renderActionResult(p.text).join('\n') : p.text;
    return [n, `${passageHeading(p.title ?? '', p.sectionPath ?? [])}\n${body}`];
  }));
  const table = idfTable([...passageTexts.values()].flatMap((t) => splitSentences(t).map(tokenize)));
  const prepared = new Map<number, PreparedPassage>();
  for (const [n, text] of passageTexts) {
    const raw = new Set(words(text));
    prepared.set(n, { raw, stems: new Set([...raw].map(stem)) });
  }

  const raw = answerSentences(answer);
  const explicitIndex = raw.map((s) => s.markers.length > 0);
  let made = 0;
  let supportedCount = 0;
  const invalid = new Set<number>();
  const cited: number[] = [];

  const judge = (text: string, citations: number[]) => {
    const terms = sentenceTerms(text);
    const numbers = numbersOf(text);
    const results = citations.flatMap((n) => {
      const p = prepared.get(n);
      if (!p) return [];
      const coverage = weightedCoverage(terms, p.stems, table);
      const missingNumbers = numbers.filter((x) => !p.raw.has(x));
      return [{ n, coverage, missingNumbers, ok: coverage >= threshold && missingNumbers.length === 0 }];
    });
    results.sort((a, b) => Number(b.ok) - Number(a.ok) || b.coverage - a.coverage);
    return results;
  };

  const sentences: CheckedSentence[] = raw.map((s, i) => {
    if (s.markers.length > 0) {
      const results = judge(s.text, s.markers);
      made += s.markers.length;
      supportedCount += results.filter((r) => r.ok).length;
      for (const n of s.markers) {
        if (!prepared.has(n)) invalid.add(n);
        else if (!cited.includes(n)) cited.push(n);
      }
      const best = results[0];
      return {
        text: s.text,
        citations: s.markers,
        inherited: false,
        supported: best?.ok ?? false,
        support: best ? round4(best.coverage) : 0,
        bestCitation: best?.n ?? null,
        missingNumbers: best ? best.missingNumbers : numbersOf(s.text),
      };
    }
    if (makesNoClaim(s.text, boilerplate, boilerplateText)) {
      return { text: s.text, citations: [], inherited: false, supported: null, support: 0, bestCitation: null, missingNumbers: [] };
    }
    // The marker that closes a run of sentences from one passage cites them all.
    let j = i + 1;
    while (j < raw.length && raw[j].paragraph === s.paragraph && !explicitIndex[j]) j++;
    const closing = j < raw.length && raw[j].paragraph === s.paragraph ? raw[j] : null;
    if (!closing) {
      return { text: s.text, citations: [], inherited: false, supported: false, support: 0, bestCitation: null, missingNumbers: numbersOf(s.text) };
    }
    const best = judge(s.text, closing.markers)[0];
    return {
      text: s.text,
      citations: closing.markers,
      inherited: true,
      supported: best?.ok ?? false,
      support: best ? round4(best.coverage) : 0,
      bestCitation: best?.n ?? null,
      missingNumbers: best ? best.missingNumbers : numbersOf(s.text),
    };
  });

  return {
    sentences,
    made,
    supported: supportedCount,
    unsupported: sentences.filter((s) => s.supported === false).map((s) => s.text),
    invalid: [...invalid].sort((a, b) => a - b),
    citedPassages: cited,
  };
}

/** The sources of the cited passages, in citation order, for the answer to show. */
export function citedSources(citedPassages: number[], passages: ContextPassage[]): AnswerSource[] {
  const byN = new Map(passages.map((p) => [p.n, p]));
  return citedPassages.flatMap((n) => {
    const p = byN.get(n);
    if (!p) return [];
    return [{
      n,
      id: p.id,
      title: p.title,
      section: p.sectionPath.join(' › '),
      ...(p.documentPath !== undefined ? { documentPath: p.documentPath } : {}),
      ...(p.link !== undefined ? { link: p.link } : {}),
    }];
  });
}
