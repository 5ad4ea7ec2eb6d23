import { stem, tokenize, words } from '../../models/local/sentences.ts';
import { idfTable, questionTerms, weightedCoverage } from './coverage.ts';
import type { ChunkId } from './handoff.ts';
import { round4 } from '../../core/stats.ts';

/**
 * Offline measures of stages 3 and 5: how relevant each retrieved chunk looks, whether the
 * expected sources were retrieved, how relevant the answer looks and whether it abstained. All
 * lexical and deterministic; a model-graded score, when configured, is recorded beside them.
 */

export interface RelevanceChunk {
  id: ChunkId;
  text: string;
  title?: string;
  sectionPath?: string[];
}

export interface ChunkRelevance {
  id: ChunkId;
  /** Idf-weighted share of the query's content terms the chunk (with its title and section) contains, 0..1. */
  relevance: number;
}

/**
 * Each chunk's coverage of the query terms, idf from the given chunks: a query term found in no
 * chunk weighs most, so a question about something the results never mention scores low.
 */
export function chunkRelevance(query: string, chunks: RelevanceChunk[]): ChunkRelevance[] {
  const terms = questionTerms(query);
  const docs = chunks.map((c) => tokenize([c.title ?? '', ...(c.sectionPath ?? []), c.text].join('\n')));
  const table = idfTable(docs);
  return chunks.map((c, i) => ({ id: c.id, relevance: round4(weightedCoverage(terms, new Set(docs[i]), table)) }));
}

/** A retrieved chunk's source: a path string, or its document path with the source's name. */
export type RetrievedSource = string | { path: string; source?: string };

export interface RetrievalAccuracy {
  /** Share of the expected sources found among the retrieved ones. */
  recall: number;
  /** Share of the distinct retrieved documents that are expected. 0 when nothing was retrieved. */
  precision: number;
  /** Expected sources that were retrieved, as the test case names them. */
  hits: string[];
  missing: string[];
}

function normalizePath(p: string): string {
  return p.trim().toLowerCase().replace(/\\/g, '/').replace(/^(?:\.\/|\/)+/, '').replace(/\/+$/, '');
}

// "returns-policy.md" names "knowledge/returns-policy.md": a suffix on a path-segment boundary.
function pathMatches(a: string, b: string): boolean {
  const x = normalizePath(a);
  const y = normalizePath(b);
  if (x === '' || y === '') return false;
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

function sourceMatches(retrieved: RetrievedSource, expected: string): boolean {
  if (typeof retrieved === 'string') return pathMatches(retrieved, expected);
  if (pathMatches(retrieved.path, expected)) return true;
  return retrieved.source !== undefined && retrieved.source.trim().toLowerCase() === expected.trim().toLowerCase();
}

/** Recall and precision of the retrieved sources (ranked, possibly one per chunk) against a test case's expected ones. */
export function retrievalAccuracy(retrieved: RetrievedSource[], expected: string[]): RetrievalAccuracy {
  const key = (r: RetrievedSource) => (typeof r === 'string' ? normalizePath(r) : `${r.source?.toLowerCase() ?? ''}\u0000${normalizePath(r.path)}`);
  const distinct = [...new Map(retrieved.map((r) => [key(r), r])).values()];
  const hits = expected.filter((e) => distinct.some((r) => sourceMatches(r, e)));
  const relevant = distinct.filter((r) => expected.some((e) => sourceMatches(r, e))).length;
  return {
    // Nothing expected means nothing could be missed.
    recall: expected.length === 0 ? 1 : round4(hits.length / expected.length),
    precision: distinct.length === 0 ? 0 : round4(relevant / distinct.length),
    hits,
    missing: expected.filter((e) => !hits.includes(e)),
  };
}

const ABSTENTION_PATTERNS: RegExp[] = [
  /\b(?:i|we)\s+(?:do\s+not|don['’]?t)\s+have\s+(?:any\s+)?(?:information|info|details|data|an\s+answer)\b/i,
  /(?:^|[.!?]\s+)no\s+information\s+(?:on|about)\b/i,
  /\b(?:i|we)\s+(?:do\s+not|don['’]?t)\s+know\b/i,
  /\b(?:knowledge\s+base|context|documentation|documents?|sources?|passages?|information\s+provided)\s+(?:does|do)\s*(?:not|n['’]?t)\s+(?:say|mention|contain|cover|include|specify|provide|state|address|answer)\b/i,
  /\b(?:i|we)\s+(?:could\s*(?:not|n['’]?t)|can\s*(?:not|['’]?t)|(?:was|were)\s+(?:not|n['’]?t)\s+able\s+to|(?:am|['’]m|was|were|are|['’]re)\s+unable\s+to)\s+(?:find|answer|locate)\b/i,
  /\b(?:is|are)\s+not\s+(?:mentioned|covered|specified|stated|available)\s+in\s+the\s+(?:knowledge\s+base|context|documents?|sources?|provided)\b/i,
  /\bthere\s+is\s+no\s+(?:information|mention)\b/i,
  /\bnot\s+(?:enough|sufficient)\s+information\b/i,
];
const CITATION_MARKER = /\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]/;

/**
 * The answer declines for lack of knowledge: the local answerer's abstention in any tone, or the
 * usual LLM forms ("I don't know", "the knowledge base does not say"). An answer that also cites a
 * passage answered something and is not an abstention.
 */
export function isAbstention(answer: string): boolean {
  if (CITATION_MARKER.test(answer)) return false;
  return ABSTENTION_PATTERNS.some((p) => p.test(answer));
}

/**
 * Share of the question's content terms the answer contains, 0..1; 0 for an abstention or an empty
 * answer; null when the question has no content terms to look for ("hi", "why?"). Lexical: an
 * answer that is right in other words scores low, which a model-graded score corrects.
 */
export function answerRelevance(question: string, answer: string): number | null {
  const terms = questionTerms(question);
  if (terms.length === 0) return null;
  if (answer.trim() === '' || isAbstention(answer)) return 0;
  const present = new Set(words(answer).map(stem));
  return round4(terms.filter((t) => present.has(t)).length / terms.length);
}
