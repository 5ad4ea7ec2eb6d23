/**
 * Okapi BM25 over Postgres text-search lexemes, computed in SQL from the postings table.
 *
 * A chunk has two fields, as in Anserini's "multifield" BEIR baseline: the title (document title and
 * section headings) and the body. Each field is scored by BM25 with its own document frequencies and
 * average length, and a chunk's score is the sum over query terms of both fields' scores, each term
 * weighted by how often it occurs in the query. The IDF is Lucene's, log(1 + (N − df + 0.5) /
 * (df + 0.5)), which never goes negative for very common terms. As in Lucene, N and the average
 * length of a field count only the chunks where that field is not empty. N, df and the average
 * lengths are taken over the searched sources only, so limiting a topic to some sources also scopes
 * the statistics: the ranking is the one an index of just those sources would give.
 */
import { InputError } from '../core/errors.ts';
import type { Queryable } from '../store/db.ts';

/** Anserini's BEIR settings. */
export const BM25_DEFAULTS = { k1: 0.9, b: 0.4 } as const;

export interface Bm25Query {
  projectId: string;
  /** Search only these sources; all of the project's when absent. */
  sourceIds?: number[];
  query: string;
  /** How many hits to return. */
  k: number;
  /** Term-frequency saturation; default 0.9. */
  k1?: number;
  /** Length normalisation, 0 (none) to 1 (full); default 0.4. */
  b?: number;
  /** Keep only each document's best chunk, so k hits name k different documents. */
  onePerDocument?: boolean;
  /** Drop hits scoring below this. */
  minScore?: number;
}

export interface Bm25Hit {
  chunkId: number;
  documentId: number;
  score: number;
  /** 1-based. */
  rank: number;
}

export async function searchBm25(q: Queryable, opts: Bm25Query): Promise<Bm25Hit[]> {
  const k1 = opts.k1 ?? BM25_DEFAULTS.k1;
  const b = opts.b ?? BM25_DEFAULTS.b;
  if (!Number.isInteger(opts.k) || opts.k < 1) throw new InputError(`k must be a whole number ≥ 1, got ${opts.k}`, [{ path: 'k', message: 'expected ≥ 1' }]);
  if (!(k1 >= 0) || !Number.isFinite(k1)) throw new InputError(`k1 must be a number ≥ 0, got ${k1}`, [{ path: 'k1', message: 'expected ≥ 0' }]);
  if (!(b >= 0 && b <= 1)) throw new InputError(`b must be a number from 0 to 1, got ${b}`, [{ path: 'b', message: 'expected 0-1' }]);
  if (opts.sourceIds && opts.sourceIds.length === 0) return [];
  const rows = await q.query<{ chunk_id: number; document_id: number; score: number }>(
    SEARCH_SQL,
    [opts.projectId, opts.query, opts.sourceIds ?? null, k1, b, opts.k, opts.minScore ?? null, opts.onePerDocument ?? false],
  );
  return rows.map((r, i) => ({ chunkId: Number(r.chunk_id), documentId: Number(r.document_id), score: r.score, rank: i + 1 }));
}

/**
 * The scoring runs in the `knowledge_bm25` function (migration 0005), so each session plans it once.
 * Each query term's constants (IDF times query frequency times k1 + 1, and the length-norm terms)
 * are computed once from document frequencies counted on the index; then a single pass over the
 * postings adds up the score per chunk. All arithmetic is float8 (a bare 0.5 would be numeric,
 * which is several times slower).
 */
const SEARCH_SQL = `SELECT chunk_id, document_id, score FROM knowledge_bm25($1, $2, $3::bigint[], $4, $5, $6, $7, $8)`;
