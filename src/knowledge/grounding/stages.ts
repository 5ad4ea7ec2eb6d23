import { countTokens } from '../../models/tokens.ts';
import type { Retrieval } from '../retrieve.ts';
import type { CitationCheck } from './citations.ts';
import type { AssembledContext, ChunkId, DropReason, DroppedChunk, IncludedChunk } from './handoff.ts';
import type { ProcessedQuery } from './query.ts';
import { answerRelevance, isAbstention, type ChunkRelevance, type RetrievalAccuracy } from './relevance.ts';
import type { QueryRewrite } from './rewrite.ts';
import { round4 } from '../../core/stats.ts';

/**
 * The six measured stages of a grounded answer, as stored on the turn's trace: plain JSON, one
 * object per place a RAG answer can go wrong, so a failure can be pinned on the stage that caused it.
 */

export interface QueryStage extends ProcessedQuery {
  /** The query retrieval searched when the rewrite changed it, else null. */
  rewritten: string | null;
  rewrite: QueryRewrite;
}

export interface RetrieverStage {
  latencyMs: number;
  /** Candidates each index returned before fusion; vector is null without an embedding model. */
  candidates: { fulltext: number; vector: number | null };
  /** Chunks after fusion (and reranking). */
  fused: number;
  reranked: boolean;
  timings: Retrieval['timings'];
  /** Each fused chunk with where it comes from, so recall can be computed from the trace alone. */
  scores: { id: ChunkId; document: string; source: string; rank: number; score: number; fulltext: number | null; vector: number | null; rerank: number | null }[];
}

export interface ChunksStage {
  /** Offline relevance estimate of each retrieved chunk, in retrieval order. */
  relevance: (ChunkRelevance & { rank: number })[];
  meanRelevance: number | null;
  /** Recall and precision against the sources a test case expects; null outside tests. */
  expected: RetrievalAccuracy | null;
}

export interface HandoffStage {
  contextTokens: number;
  budgetTokens: number;
  included: IncludedChunk[];
  dropped: DroppedChunk[];
  /** Each cited passage: its number (position in the prompt) and its rank in retrieval. */
  citedPositions: { n: number; id: ChunkId; rank: number }[];
}

export interface ResponseStage {
  chars: number;
  tokens: number;
  abstained: boolean;
  /** 0..1, or null when the question has nothing to measure against. */
  relevance: number | null;
  method: 'offline' | 'model';
  /** The grading model, when method is `model`. */
  model?: string;
}

export interface GroundingStage {
  made: number;
  supported: number;
  unsupported: string[];
  invalid: number[];
  /** supported / made, null when no citation was made. */
  supportRate: number | null;
}

export interface RagStages {
  query: QueryStage;
  retriever: RetrieverStage;
  chunks: ChunksStage;
  handoff: HandoffStage;
  response: ResponseStage;
  grounding: GroundingStage;
}


export function queryStage(processed: ProcessedQuery, rewrite: QueryRewrite): QueryStage {
  return { ...processed, rewritten: rewrite.query !== processed.normalized ? rewrite.query : null, rewrite };
}

export function retrieverStage(retrieval: Retrieval): RetrieverStage {
  return {
    latencyMs: retrieval.timings.totalMs,
    candidates: { ...retrieval.candidates },
    fused: retrieval.chunks.length,
    reranked: retrieval.reranking !== null,
    timings: { ...retrieval.timings },
    scores: retrieval.chunks.map((c) => ({
      id: c.chunkId,
      document: c.documentPath,
      source: c.sourceName,
      rank: c.rank,
      score: c.score,
      fulltext: c.fulltext?.score ?? null,
      vector: c.vector?.similarity ?? null,
      rerank: c.rerank?.score ?? null,
    })),
  };
}

export function chunksStage(relevance: ChunkRelevance[], expected: RetrievalAccuracy | null = null): ChunksStage {
  const mean = relevance.length ? round4(relevance.reduce((s, r) => s + r.relevance, 0) / relevance.length) : null;
  return { relevance: relevance.map((r, i) => ({ ...r, rank: i + 1 })), meanRelevance: mean, expected };
}

export function handoffStage(context: AssembledContext, check: Pick<CitationCheck, 'citedPassages'>): HandoffStage {
  const byN = new Map(context.included.map((c) => [c.n, c]));
  return {
    contextTokens: context.tokens,
    budgetTokens: context.budgetTokens,
    included: context.included,
    dropped: context.dropped,
    citedPositions: check.citedPassages.flatMap((n) => {
      const c = byN.get(n);
      return c ? [{ n, id: c.id, rank: c.rank }] : [];
    }),
  };
}

/**
 * Measures an answer. `abstained` defaults to recognising the abstention in the text; `graded` is
 * a model-graded relevance, which replaces the offline estimate when given.
 */
export function responseStage(
  question: string,
  answer: string,
  options: { abstained?: boolean; graded?: { relevance: number; model: string } } = {},
): ResponseStage {
  const base = { chars: [...answer].length, tokens: countTokens(answer), abstained: options.abstained ?? isAbstention(answer) };
  if (options.graded) return { ...base, relevance: options.graded.relevance, method: 'model', model: options.graded.model };
  return { ...base, relevance: base.abstained ? 0 : answerRelevance(question, answer), method: 'offline' };
}

export function groundingStage(check: CitationCheck): GroundingStage {
  return {
    made: check.made,
    supported: check.supported,
    unsupported: check.unsupported,
    invalid: check.invalid,
    supportRate: check.made ? round4(check.supported / check.made) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Terminal rendering

const LABEL_WIDTH = 12;
const INDENT = ' '.repeat(2 + LABEL_WIDTH);

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

const quote = (text: string, max = 60) => `"${clip(text, max)}"`;
const fixed = (x: number) => x.toFixed(2);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function line(step: number, label: string, body: string): string {
  return `${step} ${label.padEnd(LABEL_WIDTH)}${body}`;
}

function renderQuery(q: QueryStage): string[] {
  const facts = [q.language, plural(q.tokens, 'token'), ...(q.empty ? ['empty'] : []), ...(q.overLong ? ['over-long'] : []), ...(q.truncated ? ['truncated'] : [])];
  let text = `${quote(q.normalized)} (${facts.join(', ')})`;
  if (q.rewrite.method !== 'none') {
    const by = q.rewrite.method === 'model' ? (q.rewrite.model ?? 'model') : 'history';
    text += q.rewritten ? ` · rewritten by ${by} → ${quote(q.rewritten)}` : ` · kept by ${by}`;
  } else if (q.rewrite.model) {
    text += ` · not rewritten: ${q.rewrite.reason}`;
  }
  return [line(1, 'query', text)];
}

function renderRetriever(r: RetrieverStage): string[] {
  const sources = [`${r.candidates.fulltext} full-text`, ...(r.candidates.vector !== null ? [`${r.candidates.vector} vector`] : [])];
  const parts = [`${Math.round(r.latencyMs)} ms`, `${sources.join(' + ')} → ${r.fused} fused${r.reranked ? ', reranked' : ''}`];
  if (r.scores.length) parts.push(`best ${r.scores[0].score}`);
  return [line(2, 'retriever', parts.join(' · '))];
}

function renderChunks(c: ChunksStage): string[] {
  const shown = c.relevance.slice(0, 5).map((r) => fixed(r.relevance));
  const more = c.relevance.length > 5 ? ' …' : '';
  const parts = [c.relevance.length ? `relevance ${shown.join(' ')}${more} (mean ${fixed(c.meanRelevance ?? 0)})` : 'no chunks'];
  if (c.expected) {
    parts.push(`recall ${fixed(c.expected.recall)}, precision ${fixed(c.expected.precision)}`);
    if (c.expected.missing.length) parts.push(`missing ${c.expected.missing.join(', ')}`);
  }
  return [line(3, 'chunks', parts.join(' · '))];
}

function renderHandoff(h: HandoffStage): string[] {
  const counts = new Map<DropReason, number>();
  for (const d of h.dropped) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
  const reasons = [...counts].map(([reason, n]) => `${n} ${reason.replace(/_/g, ' ')}`).join(', ');
  const parts = [
    `${h.contextTokens} of ${h.budgetTokens} tokens`,
    `${h.included.length} included, ${h.dropped.length} dropped${reasons ? ` (${reasons})` : ''}`,
    h.citedPositions.length ? `cited ${h.citedPositions.map((c) => `[${c.n}] rank ${c.rank}`).join(', ')}` : 'nothing cited',
  ];
  return [line(4, 'hand-off', parts.join(' · '))];
}

function renderResponse(r: ResponseStage): string[] {
  const relevance = r.relevance === null ? 'relevance n/a' : `relevance ${fixed(r.relevance)} (${r.method === 'model' ? (r.model ?? 'model') : 'offline'})`;
  return [line(5, 'response', `${r.chars} chars, ${plural(r.tokens, 'token')} · ${r.abstained ? 'abstained' : 'answered'} · ${relevance}`)];
}

function renderGrounding(g: GroundingStage): string[] {
  const rate = g.supportRate === null ? '' : ` (${Math.round(g.supportRate * 100)}%)`;
  const parts = [`${g.supported} of ${plural(g.made, 'citation')} supported${rate}`, `${plural(g.unsupported.length, 'unsupported sentence')}`];
  if (g.invalid.length) parts.push(`invalid ${g.invalid.map((n) => `[${n}]`).join(' ')}`);
  const lines = [line(6, 'grounding', parts.join(' · '))];
  if (g.unsupported.length) {
    const more = g.unsupported.length > 2 ? ` (+${g.unsupported.length - 2} more)` : '';
    lines.push(`${INDENT}unsupported: ${g.unsupported.slice(0, 2).map((s) => quote(s, 70)).join(', ')}${more}`);
  }
  return lines;
}

/** One or two lines per stage, for a terminal. */
export function renderStages(stages: RagStages): string[] {
  return [
    ...renderQuery(stages.query),
    ...renderRetriever(stages.retriever),
    ...renderChunks(stages.chunks),
    ...renderHandoff(stages.handoff),
    ...renderResponse(stages.response),
    ...renderGrounding(stages.grounding),
  ];
}
