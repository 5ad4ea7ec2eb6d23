import type { Voice } from '../../agent/schema.ts';
import type { Citation, ExtractiveAnswer, Passage } from './contracts.ts';
import { renderActionResult } from './render-result.ts';
import { splitSentences, tokenize } from './sentences.ts';
import { abstentionText, inVoice } from './voice.ts';

/**
 * The `local/extractive` answerer: it never writes new claims. It quotes the sentences of the
 * given passages that best match the question, cites each one, and abstains when none does.
 */

export interface AnswerInput {
  question: string;
  passages: Passage[];
  voice: Voice;
  /** Most knowledge sentences in one answer (action results are always shown in full). */
  maxSentences?: number;
  /** Relevance floor, 0..1, below which a sentence cannot support an answer. */
  minScore?: number;
  firstTurn?: boolean;
}

const K1 = 1.2;
const B = 0.75;
const COVERAGE_WEIGHT = 0.7;
/** Sentences scoring under this share of the best one are padding, not support. */
const RELATIVE_FLOOR = 0.5;
const NEAR_DUPLICATE = 0.85;

interface Candidate {
  passage: number;
  position: number;
  passageId: string;
  source: string;
  sentence: string;
  terms: string[];
  /** Terms of the section heading and source title: they say what the sentence is about. */
  context: Set<string>;
  score: number;
  action: boolean;
}

function isActionPassage(p: Passage): boolean {
  return p.id.startsWith('action:');
}

// A heading ("Returns policy") matches a question well but says nothing by itself.
function looksLikeHeading(sentence: string, terms: string[]): boolean {
  return terms.length < 4 && !/[.!?]["')\]]?$/.test(sentence);
}

function collectCandidates(passages: Passage[]): Candidate[] {
  const out: Candidate[] = [];
  passages.forEach((p, passage) => {
    const action = isActionPassage(p);
    const sentences = action ? renderActionResult(p.text) : splitSentences(p.text);
    const sourceTerms = action ? [] : tokenize(p.source);
    let heading: string[] = [];
    sentences.forEach((sentence, position) => {
      const terms = tokenize(sentence);
      const context = new Set([...sourceTerms, ...heading]);
      if (!action && looksLikeHeading(sentence, terms)) heading = terms;
      out.push({ passage, position, passageId: p.id, source: p.source, sentence, terms, context, score: action ? 1 : 0, action });
    });
  });
  return out;
}

/**
 * BM25 over sentences (each sentence a document, idf from the given passages) blended with the
 * idf-weighted share of question terms the sentence covers. Question terms absent from every
 * passage get the highest idf, so a question about something the context never mentions scores
 * low even when it shares a common word with it.
 */
function score(question: string, knowledge: Candidate[], answeredByActions: Set<string>): void {
  // "how long", "how much": the second word is part of the question form, not its subject.
  const asked = tokenize(question.replace(/\bhow (long|much|many|soon|often|far)\b/gi, 'how'));
  // What an action result already answers ("order A1234") must not pull in knowledge sentences
  // that merely share the word; knowledge competes only for the rest of the question.
  const query = [...new Set(asked.filter((t) => !answeredByActions.has(t)))];
  const expected = expectedAnswer(question);
  if (query.length === 0 || knowledge.length === 0) return;
  const n = knowledge.length;
  const df = new Map<string, number>();
  for (const c of knowledge) for (const t of new Set([...c.terms, ...c.context])) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = (t: string) => {
    const d = df.get(t) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  const avgLength = knowledge.reduce((sum, c) => sum + c.terms.length, 0) / n || 1;
  const totalIdf = query.reduce((sum, t) => sum + idf(t), 0);
  for (const c of knowledge) {
    const tf = new Map<string, number>();
    for (const t of c.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    let bm25 = 0;
    let covered = 0;
    for (const t of query) {
      const f = tf.get(t) ?? 0;
      const w = idf(t);
      if (f > 0 || c.context.has(t)) covered += w;
      if (f === 0) continue;
      bm25 += (w * f * (K1 + 1)) / (f + K1 * (1 - B + (B * c.terms.length) / avgLength));
    }
    const normalized = Math.min(1, bm25 / (totalIdf * (K1 + 1)));
    c.score = COVERAGE_WEIGHT * (covered / totalIdf) + (1 - COVERAGE_WEIGHT) * normalized;
    if (expected && c.score > 0 && expected.test(c.sentence)) c.score = Math.min(1, c.score + ANSWER_TYPE_BONUS);
  }
}

/**
 * What kind of phrase answers the question ("how long" → a duration, "how much" → an amount), as a
 * pattern a sentence holding such an answer matches. Among sentences about the same thing, the one
 * that states the asked-for kind of fact is the answer.
 */
function expectedAnswer(question: string): RegExp | null {
  const q = question.toLowerCase();
  if (/\bhow (long|soon)\b/.test(q)) return DURATION;
  if (/\bhow much\b|\b(cost|price|fee|charge)s?\b/.test(q)) return AMOUNT;
  if (/\bhow (many|heavy|big|large)\b|\b(capacity|weight|size)\b/.test(q)) return QUANTITY;
  if (/\bwhen\b/.test(q)) return TIME;
  return null;
}

const ANSWER_TYPE_BONUS = 0.15;
const DURATION = /\b\d+(\.\d+)?\s*(-|–|to)?\s*\d*\s*(business |working |calendar )?(minutes?|hours?|days?|weeks?|months?|years?)\b/i;
const AMOUNT = /[$€£]\s?\d|\b\d+(\.\d+)?\s*(usd|eur|gbp|dollars?|euros?|percent)\b|\d\s?%|\bfree\b/i;
const QUANTITY = /\b\d+(\.\d+)?\s*(-| )?(l|ml|litres?|liters?|kg|g|grams?|cm|mm|m|inch(es)?|in|lbs?|oz|mah|wh|w|v|hours?)\b/i;
const TIME = /\b(\d{1,2}(:\d{2})?\s*(am|pm)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|within|before|after|business days?|\d+\s*(days?|hours?|weeks?))\b/i;

function jaccard(a: string[], b: string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === 0 && sb.size === 0) return 1;
  let shared = 0;
  for (const t of sa) if (sb.has(t)) shared++;
  return shared / (sa.size + sb.size - shared);
}

function select(candidates: Candidate[], maxSentences: number, minScore: number): Candidate[] {
  const chosen: Candidate[] = [];
  const isDuplicate = (c: Candidate) =>
    chosen.some((x) => x.sentence.toLowerCase() === c.sentence.toLowerCase() || (c.terms.length > 0 && jaccard(x.terms, c.terms) >= NEAR_DUPLICATE));
  for (const c of candidates) if (c.action && !isDuplicate(c)) chosen.push(c);

  const knowledge = candidates.filter((c) => !c.action && !looksLikeHeading(c.sentence, c.terms));
  const best = Math.max(0, ...knowledge.map((c) => c.score));
  const floor = Math.max(minScore, RELATIVE_FLOOR * best);
  const ranked = knowledge
    .filter((c) => c.score >= floor)
    .sort((a, b) => b.score - a.score || a.passage - b.passage || a.position - b.position);
  const picked: Candidate[] = [];
  for (const c of ranked) {
    if (picked.length >= maxSentences) break;
    if (isDuplicate(c)) continue;
    chosen.push(c);
    picked.push(c);
  }
  // The sentence right after a chosen one usually finishes its thought ("...30 days. After that,
  // we offer store credit."), so it may join on a lower floor while there is room.
  for (const c of [...picked]) {
    if (picked.length >= maxSentences) break;
    // Table rows stand alone: the next row is another record, not the rest of a thought.
    if (isTableRow(c.sentence)) continue;
    const next = knowledge.find((k) => k.passage === c.passage && k.position === c.position + 1);
    if (next && next.score >= minScore / 2 && !chosen.includes(next) && !isDuplicate(next)) {
      chosen.push(next);
      picked.push(next);
    }
  }
  return chosen.sort((a, b) => a.passage - b.passage || a.position - b.position);
}

const isTableRow = (sentence: string) => / \| /.test(sentence);

/** A sentence without closing punctuation (a table row, a list item) gets a full stop before the next one. */
const closed = (sentence: string) => (/[.!?]["'’”)\]]*$/.test(sentence) ? sentence : `${sentence}.`);

function withMarker(sentence: string, n: number): string {
  const end = /([.!?]+["'’”)\]]*)$/.exec(sentence);
  if (!end) return `${sentence} [${n}].`;
  return `${sentence.slice(0, end.index).trimEnd()} [${n}]${end[1]}`;
}

/** Answers a question from the passages alone, with `[n]` citations, or abstains. */
export function answerFromContext(input: AnswerInput): ExtractiveAnswer {
  const maxSentences = input.maxSentences ?? 3;
  const minScore = input.minScore ?? 0.25;
  const candidates = collectCandidates(input.passages);
  score(
    input.question,
    candidates.filter((c) => !c.action),
    new Set(candidates.filter((c) => c.action).flatMap((c) => c.terms)),
  );
  const chosen = select(candidates, maxSentences, minScore);

  if (chosen.length === 0) {
    return {
      text: inVoice(input.voice, abstentionText(input.voice), { firstTurn: input.firstTurn, abstained: true }),
      citations: [],
      abstained: true,
      support: [],
    };
  }

  const numbers = new Map<number, number>();
  const citations: Citation[] = [];
  const body: string[] = [];
  chosen.forEach((c, i) => {
    if (!numbers.has(c.passage)) numbers.set(c.passage, numbers.size + 1);
    const n = numbers.get(c.passage)!;
    citations.push({ n, passageId: c.passageId, source: c.source, quote: c.sentence });
    // One marker closes each run of sentences from the same passage.
    const lastOfRun = chosen[i + 1]?.passage !== c.passage;
    body.push(lastOfRun ? withMarker(c.sentence, n) : closed(c.sentence));
  });

  return {
    text: inVoice(input.voice, body.join(' '), { firstTurn: input.firstTurn }),
    citations,
    abstained: false,
    support: chosen.map((c) => ({ passageId: c.passageId, sentence: c.sentence, score: Number(c.score.toFixed(4)) })),
  };
}
