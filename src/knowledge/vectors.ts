/**
 * The vector index: one L2-normalised vector per chunk and embedding model
 * (knowledge_chunk_embeddings), searched exactly by cosine similarity. With pgvector (always on the
 * embedded store) the similarity is pgvector's `<=>`; without it (a PostgreSQL server that lacks
 * the extension) the same dot product is computed in plain SQL, so both stores rank alike.
 */
import { InputError } from '../core/errors.ts';
import { normalizeVector } from '../models/normalize.ts';
import type { Db, Queryable } from '../store/db.ts';
import type { Chunk, Embedder } from './contracts.ts';

export interface VectorQuery {
  projectId: string;
  /** Search only these sources; all of the project's when absent. */
  sourceIds?: number[];
  /** The embedding model (Embedder.ref): only its vectors are searched. */
  model: string;
  /** The query's embedding from that model; normalised here, so any length > 0 will do. */
  vector: number[];
  /** How many hits to return. */
  k: number;
  /** Drop hits whose cosine similarity is below this (-1 to 1). */
  minSimilarity?: number;
  /** Keep only each document's best chunk, so k hits name k different documents. */
  onePerDocument?: boolean;
  /**
   * How the exact similarity is computed: pgvector's operator, or plain SQL. Default: pgvector when
   * q is a Db that has it, else SQL (so pass it when q is a transaction on the embedded store).
   */
  exact?: 'pgvector' | 'sql';
}

export interface VectorHit {
  chunkId: number;
  documentId: number;
  /** Cosine similarity, -1 to 1. */
  similarity: number;
  /** 1-based. */
  rank: number;
}

/** Best first, ties by chunk id. A query vector whose size differs from the model's stored vectors is an InputError. */
export async function searchVectors(q: Queryable | Db, opts: VectorQuery): Promise<VectorHit[]> {
  if (!Number.isInteger(opts.k) || opts.k < 1) throw new InputError(`k must be a whole number ≥ 1, got ${opts.k}`, [{ path: 'k', message: 'expected ≥ 1' }]);
  const min = opts.minSimilarity;
  if (min !== undefined && !(min >= -1 && min <= 1)) {
    throw new InputError(`minSimilarity must be a number from -1 to 1, got ${min}`, [{ path: 'minSimilarity', message: 'expected -1 to 1' }]);
  }
  const vector = queryVector(opts.vector);
  const capabilities = 'capabilities' in q ? q.capabilities : undefined;
  const method = opts.exact ?? (capabilities?.vector ? 'pgvector' : 'sql');
  if (method === 'pgvector' && capabilities && !capabilities.vector) {
    throw new InputError('pgvector is not installed on this database: search with exact: "sql"', [{ path: 'exact', message: 'pgvector is not available' }]);
  }
  if (opts.sourceIds && opts.sourceIds.length === 0) return [];

  const sourceIds = opts.sourceIds ?? null;
  const sql = (method === 'pgvector' ? PGVECTOR : PLAIN) + (opts.onePerDocument ? BEST_PER_DOCUMENT : BEST_CHUNKS);
  const rows = await q.query<{ chunk_id: number; document_id: number; similarity: number }>(sql, [opts.projectId, opts.model, sourceIds, vector, vector.length, opts.k, min ?? null]);
  if (rows.length === 0) await checkDimensions(q, opts.projectId, opts.model, vector.length);
  return rows.map((r, i) => ({ chunkId: Number(r.chunk_id), documentId: Number(r.document_id), similarity: Number(r.similarity), rank: i + 1 }));
}

function queryVector(vector: number[]): number[] {
  if (!Array.isArray(vector) || vector.length === 0) throw new InputError('the query vector is empty', [{ path: 'vector', message: 'expected an array of numbers' }]);
  try {
    return normalizeVector(vector);
  } catch (err) {
    throw new InputError(`the query vector cannot be searched: ${(err as Error).message}`, [{ path: 'vector', message: (err as Error).message }]);
  }
}

/**
 * Only vectors of the query's size are scored (a model has one size), so a wrong-sized query finds
 * nothing; this tells that apart from a real miss, and costs a query only when nothing was found.
 */
async function checkDimensions(q: Queryable, projectId: string, model: string, dims: number): Promise<void> {
  const stored = await conflictingDimensions(q, projectId, model, dims);
  if (stored !== null) {
    throw new InputError(`the query vector has ${dims} dims but the stored vectors of ${model} have ${stored}`, [{ path: 'vector', message: `expected ${stored} dims` }]);
  }
}

/**
 * Candidates with their similarity: $1 project, $2 model, $3 source ids or null, $4 the normalised
 * query vector, $5 its size. Stored vectors are normalised, so cosine similarity is the dot product.
 */
const FILTER = `e.project_id = $1 AND e.model = $2 AND ($3::bigint[] IS NULL OR e.source_id = ANY($3::bigint[])) AND e.dims = $5`;

const PGVECTOR = `
WITH q AS MATERIALIZED (SELECT $4::float8[]::vector AS v),
scored AS (
  SELECT e.chunk_id, e.document_id, 1 - (e.embedding::vector <=> q.v) AS similarity
  FROM knowledge_chunk_embeddings e CROSS JOIN q
  WHERE ${FILTER}
)`;

// Products in float8: a real × real product would round each term to float4.
const PLAIN = `
WITH scored AS (
  SELECT e.chunk_id, e.document_id, (SELECT sum(x::float8 * y) FROM unnest(e.embedding, $4::float8[]) AS t(x, y)) AS similarity
  FROM knowledge_chunk_embeddings e
  WHERE ${FILTER}
)`;

// $6 k, $7 minimum similarity or null.
const BEST_CHUNKS = `
SELECT chunk_id, document_id, similarity FROM scored
WHERE $7::float8 IS NULL OR similarity >= $7::float8
ORDER BY similarity DESC, chunk_id LIMIT $6`;

const BEST_PER_DOCUMENT = `,
best AS (
  SELECT DISTINCT ON (document_id) chunk_id, document_id, similarity FROM scored ORDER BY document_id, similarity DESC, chunk_id
)
SELECT chunk_id, document_id, similarity FROM best
WHERE $7::float8 IS NULL OR similarity >= $7::float8
ORDER BY similarity DESC, chunk_id LIMIT $6`;

/**
 * What is embedded for a chunk: its title and headings, then its text, so a chunk that says "it"
 * still carries what it is about. Ingestion and back-filling must embed the same text.
 */
export function embeddingText(chunk: Pick<Chunk, 'title' | 'sectionPath' | 'text'>): string {
  const heading = [chunk.title, ...chunk.sectionPath].filter((s) => s.trim() !== '').join(' › ');
  return heading ? `${heading}\n${chunk.text}` : chunk.text;
}

/** Vectors ready to store: checked (one size, finite, not zero) and normalised. `where` names the input in errors. */
export function storableVectors(vectors: number[][], where: string): number[][] {
  const dims = vectors[0]?.length ?? 0;
  return vectors.map((v, j) => {
    if (!Array.isArray(v) || v.length !== dims || dims === 0) {
      throw new InputError(`${where}: every vector must have the same number of dims (${dims} for the first), vector ${j} has ${Array.isArray(v) ? v.length : 'none'}`, [{ path: `${where}[${j}]`, message: `expected ${dims} dims` }]);
    }
    try {
      return normalizeVector(v);
    } catch (err) {
      throw new InputError(`${where}: vector ${j} cannot be stored: ${(err as Error).message}`, [{ path: `${where}[${j}]`, message: (err as Error).message }]);
    }
  });
}

/**
 * Normalised vectors go to the database as integer array literals of x·2^30 and become real[] in
 * SQL (realArraySql): parsing decimal fractions is slow in the embedded store's WASM build (about
 * 1 µs a number, three times the integer route), and the rounding, under 1e-9 a component, is
 * below what a real keeps of most components and far below what a similarity needs.
 */
const FIXED_POINT = 2 ** 30;

export function vectorLiteral(vector: readonly number[]): string {
  return `{${vector.map((x) => Math.round(x * FIXED_POINT)).join(',')}}`;
}

/** SQL that turns the vectorLiteral in the text expression `literal` back into real[]. */
export function realArraySql(literal: string): string {
  return `ARRAY(SELECT (i * ${1 / FIXED_POINT}::float8)::real FROM unnest((${literal})::int[]) WITH ORDINALITY AS u(i, n) ORDER BY n)`;
}

/**
 * The model's stored size when it differs from dims, else null: one model, one size, or searches
 * would silently miss the other vectors. Since every write keeps to this, one stored vector tells.
 */
export async function conflictingDimensions(q: Queryable, projectId: string, model: string, dims: number): Promise<number | null> {
  const [row] = await q.query<{ dims: number }>(`SELECT dims FROM knowledge_chunk_embeddings WHERE project_id = $1 AND model = $2 LIMIT 1`, [projectId, model]);
  return row && Number(row.dims) !== dims ? Number(row.dims) : null;
}

export interface EmbedMissingOptions {
  /** Chunks per embedding request and per transaction. Default 64. */
  batch?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface EmbedMissingResult {
  chunks: number;
  tokens: number;
  costUsd: number;
}

/**
 * Embeds the chunks of the sources that have no vector from embedder yet — for an embedding model
 * added to an agent after its knowledge was ingested, or a back-fill that stopped part-way. Each
 * batch is embedded, then written in its own transaction, so a stop keeps the batches done and a
 * rerun carries on. A chunk replaced meanwhile is skipped: its new version comes with its vectors.
 */
export async function embedMissingChunks(db: Db, projectId: string, sourceIds: number[], embedder: Embedder, opts: EmbedMissingOptions = {}): Promise<EmbedMissingResult> {
  const batch = opts.batch ?? 64;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`batch must be a whole number ≥ 1, got ${batch}`, [{ path: 'batch', message: 'expected ≥ 1' }]);
  const result: EmbedMissingResult = { chunks: 0, tokens: 0, costUsd: 0 };
  if (sourceIds.length === 0) return result;
  const params = [projectId, sourceIds, embedder.ref];
  const [{ total }] = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM knowledge_chunks c WHERE ${MISSING}`, params);
  let after = 0;
  let done = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const rows = await db.query<{ id: number; title: string; section_path: string[]; text: string }>(
      `SELECT c.id, c.title, c.section_path, c.text FROM knowledge_chunks c WHERE ${MISSING} AND c.id > $4 ORDER BY c.id LIMIT $5`,
      [...params, after, batch],
    );
    if (rows.length === 0) break;
    after = Number(rows.at(-1)!.id);
    const embedded = await embedder.embed(rows.map((r) => embeddingText({ title: r.title, sectionPath: r.section_path ?? [], text: r.text })), { signal: opts.signal });
    if (embedded.vectors.length !== rows.length) {
      throw new InputError(`embedding model ${embedder.ref} returned ${embedded.vectors.length} vectors for ${rows.length} texts`, [{ path: 'vectors', message: `expected ${rows.length}` }]);
    }
    const vectors = storableVectors(embedded.vectors, `${embedder.ref} vectors`);
    const stored = await db.transaction(async (tx) => {
      const conflict = await conflictingDimensions(tx, projectId, embedder.ref, vectors[0].length);
      if (conflict !== null) throw dimensionConflict(embedder.ref, vectors[0].length, conflict);
      return tx.query<{ n: number }>(INSERT_MISSING_SQL, [projectId, embedder.ref, rows.map((r) => Number(r.id)), vectors.map(vectorLiteral)]);
    });
    result.chunks += Number(stored[0]?.n ?? 0);
    result.tokens += embedded.tokens;
    result.costUsd += embedded.costUsd;
    done += rows.length;
    opts.onProgress?.({ done, total });
  }
  return result;
}

export function dimensionConflict(model: string, dims: number, stored: number): InputError {
  return new InputError(`${model} vectors have ${dims} dims but the vectors already stored for it have ${stored}: one model has one size`, [
    { path: 'embeddings.vectors', message: `expected ${stored} dims` },
  ]);
}

// $1 project, $2 source ids, $3 model.
const MISSING = `c.project_id = $1 AND c.source_id = ANY($2::bigint[])
  AND NOT EXISTS (SELECT 1 FROM knowledge_chunk_embeddings e WHERE e.chunk_id = c.id AND e.model = $3)`;

/**
 * The chunks are locked against deletion while their vectors go in, and ones deleted since they
 * were read are left out; a vector written meanwhile by someone else is kept.
 */
const INSERT_MISSING_SQL = `
WITH v AS (SELECT chunk_id, ${realArraySql('literal')} AS embedding FROM unnest($3::bigint[], $4::text[]) AS v(chunk_id, literal)),
live AS (SELECT c.id, c.source_id, c.document_id FROM knowledge_chunks c WHERE c.project_id = $1 AND c.id IN (SELECT chunk_id FROM v) FOR KEY SHARE),
added AS (
  INSERT INTO knowledge_chunk_embeddings (project_id, chunk_id, source_id, document_id, model, dims, embedding)
  SELECT $1, live.id, live.source_id, live.document_id, $2, cardinality(v.embedding), v.embedding
  FROM v JOIN live ON live.id = v.chunk_id
  ON CONFLICT (chunk_id, model) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS n FROM added`;
