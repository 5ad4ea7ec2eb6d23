/**
 * Retrieval for one question: BM25 over the full-text postings and, when the agent has an embedding
 * model, cosine similarity over the chunk vectors; the two rankings are fused by reciprocal rank
 * and, when a reranking model is configured, reordered by it. Every candidate keeps its rank and
 * score in each index so the trace can show why a chunk made it (or did not).
 */
import type { Reranker } from '../models/rerank.ts';
import type { Db, Queryable } from '../store/db.ts';
import { BM25_DEFAULTS } from './bm25.ts';
import type { Embedder } from './contracts.ts';
import { reciprocalRankFusion } from './fusion.ts';
import { searchVectors } from './vectors.ts';

export interface RetrievalSettings {
  /** Candidates taken from each index before fusion. */
  candidates: number;
  /** BM25 floor for full-text candidates. */
  minScore: number;
  /** Cosine floor for vector candidates. */
  minSimilarity: number;
}

export interface RetrieveRequest {
  projectId: string;
  /** The sources searched; an empty list finds nothing. */
  sourceIds: number[];
  query: string;
  settings: RetrievalSettings;
  embedder?: Embedder | null;
  reranker?: Reranker | null;
}

export interface RetrievedChunk {
  chunkId: number;
  documentId: number;
  sourceName: string;
  /** The document's path within its source. */
  documentPath: string;
  title: string;
  sectionPath: string[];
  text: string;
  tokens: number;
  link: string | null;
  /** 1-based rank after fusion (and reranking). */
  rank: number;
  /** The fused score (reciprocal rank), or the reranker's when it ran. */
  score: number;
  fulltext: { rank: number; score: number } | null;
  vector: { rank: number; similarity: number } | null;
  rerank: { score: number } | null;
}

export interface ModelUsage {
  model: string;
  latencyMs: number;
  inputTokens: number;
  costUsd: number;
}

export interface Retrieval {
  chunks: RetrievedChunk[];
  candidates: { fulltext: number; vector: number | null };
  timings: { fulltextMs: number; embedMs: number | null; vectorMs: number | null; rerankMs: number | null; totalMs: number };
  embedding: ModelUsage | null;
  reranking: ModelUsage | null;
}

export async function retrieve(q: Db, req: RetrieveRequest): Promise<Retrieval> {
  const started = performance.now();
  const { settings } = req;
  const timings: Retrieval['timings'] = { fulltextMs: 0, embedMs: null, vectorMs: null, rerankMs: null, totalMs: 0 };
  if (req.sourceIds.length === 0 || req.query.trim() === '') {
    return { chunks: [], candidates: { fulltext: 0, vector: req.embedder ? 0 : null }, timings, embedding: null, reranking: null };
  }

  let t = performance.now();
  // The hits come with their chunks' text and place: one call to the store for the usual full-text-only turn.
  const hitRows = await q.query<Record<string, any>>(`SELECT * FROM knowledge_bm25_chunks($1, $2, $3::bigint[], $4, $5, $6, $7)`, [
    req.projectId, req.query, req.sourceIds, BM25_DEFAULTS.k1, BM25_DEFAULTS.b, settings.candidates, settings.minScore > 0 ? settings.minScore : null,
  ], { prepare: true });
  const fulltext = hitRows.map((r, i) => ({ chunkId: Number(r.chunk_id), documentId: Number(r.document_id), score: Number(r.score), rank: i + 1 }));
  const known = new Map(hitRows.map((r) => [Number(r.chunk_id), toChunkRow({ ...r, id: r.chunk_id })]));
  timings.fulltextMs = round(performance.now() - t);

  let vector: Awaited<ReturnType<typeof searchVectors>> | null = null;
  let embedding: ModelUsage | null = null;
  if (req.embedder) {
    t = performance.now();
    const embedded = await req.embedder.embed([req.query]);
    timings.embedMs = round(performance.now() - t);
    embedding = { model: req.embedder.ref, latencyMs: timings.embedMs, inputTokens: embedded.tokens, costUsd: embedded.costUsd };
    t = performance.now();
    vector = await searchVectors(q, {
      projectId: req.projectId,
      sourceIds: req.sourceIds,
      model: req.embedder.ref,
      vector: embedded.vectors[0],
      k: settings.candidates,
      minSimilarity: settings.minSimilarity,
    });
    timings.vectorMs = round(performance.now() - t);
  }

  const lists: { chunkId: number }[][] = vector ? [fulltext, vector] : [fulltext];
  const fused = reciprocalRankFusion(lists, { key: (hit) => hit.chunkId, limit: settings.candidates });
  const fulltextById = new Map(fulltext.map((h) => [h.chunkId, h]));
  const vectorById = new Map((vector ?? []).map((h) => [h.chunkId, h]));
  const rows = await chunkRows(q, fused.map((f) => f.item.chunkId), known);

  let chunks: RetrievedChunk[] = fused.flatMap((f) => {
    const row = rows.get(f.item.chunkId);
    if (!row) return []; // replaced between the search and this read
    const ft = fulltextById.get(f.item.chunkId);
    const vh = vectorById.get(f.item.chunkId);
    return [{
      ...row,
      rank: f.rank,
      score: roundScore(f.score),
      fulltext: ft ? { rank: ft.rank, score: roundScore(ft.score) } : null,
      vector: vh ? { rank: vh.rank, similarity: roundScore(vh.similarity) } : null,
      rerank: null,
    }];
  });

  let reranking: ModelUsage | null = null;
  if (req.reranker && chunks.length > 1) {
    t = performance.now();
    const ranked = await req.reranker.rerank(req.query, chunks.map((c) => `${[c.title, ...c.sectionPath].join(' › ')}\n${c.text}`));
    timings.rerankMs = round(performance.now() - t);
    reranking = { model: req.reranker.ref, latencyMs: timings.rerankMs, inputTokens: ranked.tokens, costUsd: ranked.costUsd };
    const scored = new Map(ranked.results.map((r) => [r.index, r.score]));
    chunks = chunks
      .map((c, i) => ({ c, s: scored.get(i) ?? Number.NEGATIVE_INFINITY }))
      .sort((a, b) => b.s - a.s || a.c.rank - b.c.rank)
      .map(({ c, s }, i) => ({ ...c, rank: i + 1, score: Number.isFinite(s) ? roundScore(s) : 0, rerank: Number.isFinite(s) ? { score: roundScore(s) } : null }));
  }

  timings.totalMs = round(performance.now() - started);
  return { chunks, candidates: { fulltext: fulltext.length, vector: vector ? vector.length : null }, timings, embedding, reranking };
}

type ChunkRow = Omit<RetrievedChunk, 'rank' | 'score' | 'fulltext' | 'vector' | 'rerank'>;

/** Rows of the given chunks: those already known, and the rest (vector-only hits) from the store. */
async function chunkRows(q: Queryable, ids: number[], known: Map<number, ChunkRow>): Promise<Map<number, ChunkRow>> {
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length === 0) return known;
  const rows = await q.query<Record<string, any>>(`SELECT * FROM knowledge_chunk_details($1::bigint[])`, [missing]);
  const all = new Map(known);
  for (const r of rows) all.set(Number(r.id), toChunkRow(r));
  return all;
}

function toChunkRow(r: Record<string, any>): ChunkRow {
  return {
    chunkId: Number(r.id),
    documentId: Number(r.document_id),
    sourceName: r.source_name,
    documentPath: r.path,
    title: r.title,
    sectionPath: r.section_path ?? [],
    text: r.text,
    tokens: Number(r.tokens),
    link: r.link ?? null,
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const roundScore = (x: number) => Math.round(x * 1e6) / 1e6;
