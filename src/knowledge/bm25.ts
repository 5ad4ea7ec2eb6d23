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
import { TEXT_SEARCH_CONFIG } from './store.ts';

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
    opts.onePerDocument ? BEST_PER_DOCUMENT_SQL : BEST_CHUNKS_SQL,
    [opts.projectId, opts.query, opts.sourceIds ?? null, k1, b, opts.k, opts.minScore ?? null],
  );
  return rows.map((r, i) => ({ chunkId: Number(r.chunk_id), documentId: Number(r.document_id), score: r.score, rank: i + 1 }));
}

/**
 * Chunks by score: $1 project, $2 query, $3 source ids or null, $4 k1, $5 b, $7 min score or null.
 *
 * Each query term's constants (IDF times query frequency times k1 + 1, and the length-norm terms)
 * are computed once in `w`, from document frequencies counted on the index; then a single pass over
 * the postings adds up the score per chunk. All arithmetic is float8 (a bare 0.5 would be numeric,
 * which is several times slower).
 */
const SCORED = `
WITH q AS (
  SELECT lexeme AS term, array_length(positions, 1)::float8 AS qtf FROM unnest(to_tsvector('${TEXT_SEARCH_CONFIG}', $2::text))
),
stats AS (
  SELECT sum(body_chunks)::float8 AS n_body, sum(body_length)::float8 / nullif(sum(body_chunks), 0) AS avg_body,
    sum(titled_chunks)::float8 AS n_title, sum(title_length)::float8 / nullif(sum(titled_chunks), 0) AS avg_title
  FROM knowledge_sources WHERE project_id = $1 AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))
),
w AS MATERIALIZED (
  SELECT q.term,
    q.qtf * ln(1::float8 + (s.n_body - d.body_df + 0.5::float8) / (d.body_df + 0.5::float8)) * ($4::float8 + 1) AS body_weight,
    q.qtf * ln(1::float8 + (s.n_title - d.title_df + 0.5::float8) / (d.title_df + 0.5::float8)) * ($4::float8 + 1) AS title_weight,
    $4::float8 * (1 - $5::float8) AS norm_base,
    $4::float8 * $5::float8 / s.avg_body AS body_slope,
    $4::float8 * $5::float8 / s.avg_title AS title_slope
  FROM q CROSS JOIN stats s CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE t.tf > 0)::float8 AS body_df, count(*) FILTER (WHERE t.title_tf > 0)::float8 AS title_df
    FROM knowledge_chunk_terms t
    WHERE t.project_id = $1 AND t.term = q.term AND ($3::bigint[] IS NULL OR t.source_id = ANY($3::bigint[]))
  ) d
  WHERE d.body_df + d.title_df > 0
),
scored AS (
  SELECT t.chunk_id, min(t.document_id) AS document_id, sum(
      CASE WHEN t.tf > 0 THEN w.body_weight * t.tf / (t.tf + w.norm_base + w.body_slope * t.length) ELSE 0::float8 END
    + CASE WHEN t.title_tf > 0 THEN w.title_weight * t.title_tf / (t.title_tf + w.norm_base + w.title_slope * t.title_length) ELSE 0::float8 END
  ) AS score
  FROM w JOIN knowledge_chunk_terms t ON t.project_id = $1 AND t.term = w.term
  WHERE $3::bigint[] IS NULL OR t.source_id = ANY($3::bigint[])
  GROUP BY t.chunk_id
)`;

const BEST_CHUNKS_SQL = `${SCORED}
SELECT chunk_id, document_id, score FROM scored
WHERE $7::float8 IS NULL OR score >= $7::float8
ORDER BY score DESC, chunk_id LIMIT $6`;

const BEST_PER_DOCUMENT_SQL = `${SCORED},
best AS (
  SELECT DISTINCT ON (document_id) chunk_id, document_id, score FROM scored ORDER BY document_id, score DESC, chunk_id
)
SELECT chunk_id, document_id, score FROM best
WHERE $7::float8 IS NULL OR score >= $7::float8
ORDER BY score DESC, chunk_id LIMIT $6`;
