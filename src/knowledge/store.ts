/**
 * Writing knowledge: sources, documents and their chunks with the postings BM25 reads and, when an
 * embedding model is configured, their vectors. A document is replaced whole inside one
 * transaction — its old chunks, postings and vectors go and the new ones land together — so a
 * crash or an error part-way leaves the previous version, never half of one.
 */
import { InputError, NotFoundError } from '../core/errors.ts';
import type { Db, Queryable } from '../store/db.ts';
import type { Chunk } from './contracts.ts';
import { conflictingDimensions, dimensionConflict, realArraySql, storableVectors, vectorLiteral } from './vectors.ts';

/** The text-search configuration of the whole knowledge area: documents and queries must agree. */
export const TEXT_SEARCH_CONFIG = 'english';

export interface SourceRef {
  projectId: string;
  agentName: string;
  name: string;
}

export interface DocumentInput {
  projectId: string;
  sourceId: number;
  /** Unique within the source: a relative file path, a URL or a corpus id. */
  path: string;
  title: string;
  contentHash: string;
  bytes: number;
  metadata?: Record<string, unknown>;
  chunks: Chunk[];
  /** One vector per chunk, in chunk order, from `model` (an Embedder's ref); normalised when stored. */
  embeddings?: { model: string; vectors: number[][] };
}

export interface StoredDocument {
  documentId: number;
  path: string;
  chunks: number;
}

/** The source's id, creating the source on first use. */
export async function ensureSource(q: Queryable, ref: SourceRef): Promise<number> {
  const inserted = await q.query<{ id: number }>(
    `INSERT INTO knowledge_sources (project_id, agent_name, name) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, agent_name, name) DO NOTHING RETURNING id`,
    [ref.projectId, ref.agentName, ref.name],
  );
  if (inserted[0]) return Number(inserted[0].id);
  const existing = await q.query<{ id: number }>(
    `SELECT id FROM knowledge_sources WHERE project_id = $1 AND agent_name = $2 AND name = $3`,
    [ref.projectId, ref.agentName, ref.name],
  );
  return Number(existing[0].id);
}

/** Ids of an agent's sources by name, for limiting retrieval to a topic's sources; unknown names are absent. */
export async function sourceIdsByName(q: Queryable, projectId: string, agentName: string, names?: string[]): Promise<Map<string, number>> {
  const rows = await q.query<{ id: number; name: string }>(
    `SELECT id, name FROM knowledge_sources WHERE project_id = $1 AND agent_name = $2 AND ($3::text[] IS NULL OR name = ANY($3::text[]))`,
    [projectId, agentName, names ?? null],
  );
  return new Map(rows.map((r) => [r.name, Number(r.id)]));
}

/** Path → content hash of every document of the source: what an incremental ingest compares against. */
export async function documentHashes(q: Queryable, sourceId: number): Promise<Map<string, string>> {
  const rows = await q.query<{ path: string; content_hash: string }>(
    `SELECT path, content_hash FROM knowledge_documents WHERE source_id = $1`,
    [sourceId],
  );
  return new Map(rows.map((r) => [r.path, r.content_hash]));
}

export interface DocumentDiff {
  /** Not stored yet. */
  added: string[];
  /** Stored with another content hash: to be replaced. */
  changed: string[];
  /** Stored with the same hash: to be skipped. */
  unchanged: string[];
  /** Stored but no longer in the source: to be deleted. */
  removed: string[];
}

/** What an incremental ingest has to do, from the stored hashes and the documents found now; lists sorted. */
export function diffDocuments(stored: ReadonlyMap<string, string>, current: Iterable<{ path: string; contentHash: string }>): DocumentDiff {
  const diff: DocumentDiff = { added: [], changed: [], unchanged: [], removed: [] };
  const seen = new Set<string>();
  for (const { path, contentHash } of current) {
    seen.add(path);
    const hash = stored.get(path);
    (hash === undefined ? diff.added : hash === contentHash ? diff.unchanged : diff.changed).push(path);
  }
  for (const path of stored.keys()) if (!seen.has(path)) diff.removed.push(path);
  for (const list of Object.values(diff)) list.sort();
  return diff;
}

/** Deletes the source's documents whose path is not in keepPaths (with their chunks); returns the deleted paths. */
export async function deleteMissing(q: Queryable, sourceId: number, keepPaths: Iterable<string>): Promise<string[]> {
  const rows = await q.query<{ path: string }>(
    `DELETE FROM knowledge_documents WHERE source_id = $1 AND NOT (path = ANY($2::text[])) RETURNING path`,
    [sourceId, [...keepPaths]],
  );
  return rows.map((r) => r.path).sort();
}

/**
 * Run after loading or replacing many documents. VACUUM marks the postings' pages all-visible, so
 * BM25 reads only the covering index rather than one table page per posting (several times
 * faster); ANALYZE gives the planner the new table sizes. PostgreSQL's autovacuum gets there on its
 * own in time, the embedded store never does. Not inside a transaction.
 */
export async function optimizeForSearch(db: Db): Promise<void> {
  await db.query(`VACUUM (ANALYZE) knowledge_chunk_terms`);
  await db.query(`ANALYZE knowledge_chunks`);
}

/** Replaces one document (or adds it) in its own transaction. */
export async function replaceDocument(db: Db, doc: DocumentInput): Promise<StoredDocument> {
  const [stored] = await replaceDocuments(db, [doc]);
  return stored;
}

/**
 * Replaces several documents of one source in one transaction (bulk loads: fewer commits). Each
 * document lands whole or, when anything fails, none of them does and the old versions stay.
 */
export async function replaceDocuments(db: Db, docs: DocumentInput[]): Promise<StoredDocument[]> {
  if (docs.length === 0) return [];
  const { projectId, sourceId } = docs[0];
  const seen = new Set<string>();
  // model → vector size, across the batch; checked against what is stored inside the transaction.
  const dims = new Map<string, number>();
  const vectors = docs.map((doc, i) => {
    if (doc.projectId !== projectId || doc.sourceId !== sourceId) {
      throw new InputError('documents replaced together must belong to one source', [{ path: `documents[${i}].sourceId`, message: `expected source ${sourceId} of project ${projectId}` }]);
    }
    if (seen.has(doc.path)) throw new InputError(`document ${doc.path} appears twice in one batch`, [{ path: `documents[${i}].path`, message: 'duplicate path' }]);
    seen.add(doc.path);
    checkChunks(doc, i);
    return checkEmbeddings(doc, i, dims);
  });
  return db.transaction(async (tx) => {
    const owner = await tx.query(`SELECT 1 FROM knowledge_sources WHERE id = $1 AND project_id = $2 FOR UPDATE`, [sourceId, projectId]);
    if (owner.length === 0) throw new NotFoundError('knowledge source', `${sourceId} in project ${projectId}`);
    await tx.query(`DELETE FROM knowledge_documents WHERE source_id = $1 AND path = ANY($2::text[])`, [sourceId, docs.map((d) => d.path)]);
    for (const [model, size] of dims) {
      const stored = await conflictingDimensions(tx, projectId, model, size);
      if (stored !== null) throw dimensionConflict(model, size, stored);
    }
    const rows = await tx.query<{ id: number; path: string }>(INSERT_SQL, [projectId, sourceId, documentsJson(docs), chunksJson(docs, vectors), vectorLiterals(vectors)]);
    const byPath = new Map(rows.map((r) => [r.path, r]));
    return docs.map((d) => {
      const row = byPath.get(d.path)!;
      return { documentId: Number(row.id), path: d.path, chunks: d.chunks.length };
    });
  });
}

/** A part of a large document: its next chunks and, when embedded, their vectors. */
export interface ChunkBatch {
  chunks: Chunk[];
  embeddings?: DocumentInput['embeddings'];
}

/**
 * Replaces one document whose chunks arrive in batches (a file of hundreds of MB): the old version
 * is deleted and the new one written batch by batch inside one transaction, so memory holds one
 * batch at a time and a failure anywhere — in the store or in producing the batches — leaves the
 * old version. `doc.metadata` is read after the last batch. A document that yields no chunk at all
 * is an InputError. The embedded store's write-ahead log is checkpointed every few batches so it
 * does not grow with the document.
 */
export async function replaceDocumentInBatches(
  db: Db,
  doc: Omit<DocumentInput, 'chunks' | 'embeddings' | 'metadata'> & { metadata?: () => Record<string, unknown> },
  batches: AsyncIterable<ChunkBatch>,
): Promise<StoredDocument> {
  return db.transaction(async (tx) => {
    const owner = await tx.query(`SELECT 1 FROM knowledge_sources WHERE id = $1 AND project_id = $2 FOR UPDATE`, [doc.sourceId, doc.projectId]);
    if (owner.length === 0) throw new NotFoundError('knowledge source', `${doc.sourceId} in project ${doc.projectId}`);
    await tx.query(`DELETE FROM knowledge_documents WHERE source_id = $1 AND path = $2`, [doc.sourceId, doc.path]);
    const positions = new Set<number>();
    const dims = new Map<string, number>();
    let documentId: number | null = null;
    let total = 0;
    let n = 0;
    for await (const batch of batches) {
      if (batch.chunks.length === 0) continue;
      const part: DocumentInput = { ...doc, metadata: {}, chunks: batch.chunks, embeddings: batch.embeddings };
      checkChunks(part, 0, positions);
      const vectors = checkEmbeddings(part, 0, dims);
      for (const [model, size] of dims) {
        const stored = await conflictingDimensions(tx, doc.projectId, model, size);
        if (stored !== null) throw dimensionConflict(model, size, stored);
      }
      const chunks = chunksJson([part], [vectors]);
      const literals = vectorLiterals([vectors]);
      const rows: { id: number }[] = documentId === null
        ? await tx.query<{ id: number }>(INSERT_SQL, [doc.projectId, doc.sourceId, documentsJson([part]), chunks, literals])
        : await tx.query<{ id: number }>(APPEND_SQL, [doc.projectId, doc.sourceId, documentId, chunks, literals]);
      documentId = Number(rows[0].id);
      total += batch.chunks.length;
      if (++n % BATCHES_PER_CHECKPOINT === 0 && db.kind === 'pglite') await tx.query('CHECKPOINT');
    }
    if (documentId === null) throw new InputError(`${doc.path}: no chunks to store`, [{ path: 'chunks', message: 'expected at least one chunk' }]);
    if (doc.metadata) await tx.query(`UPDATE knowledge_documents SET metadata = $2::jsonb WHERE id = $1`, [documentId, JSON.stringify(doc.metadata())]);
    return { documentId, path: doc.path, chunks: total };
  });
}

/** See replaceDocumentInBatches: how often a long write lets the embedded store recycle its log. */
const BATCHES_PER_CHECKPOINT = 8;

function checkChunks(doc: DocumentInput, i: number, positions = new Set<number>()): void {
  doc.chunks.forEach((c, j) => {
    const where = `documents[${i}].chunks[${j}]`;
    if (!Number.isInteger(c.position) || c.position < 0) throw new InputError(`${doc.path}: chunk position must be a whole number ≥ 0`, [{ path: `${where}.position`, message: `got ${c.position}` }]);
    if (positions.has(c.position)) throw new InputError(`${doc.path}: two chunks at position ${c.position}`, [{ path: `${where}.position`, message: 'duplicate position' }]);
    positions.add(c.position);
  });
}

/** The document's vectors ready to store, or null; one per chunk and one size per model, else InputError before anything is written. */
function checkEmbeddings(doc: DocumentInput, i: number, dims: Map<string, number>): number[][] | null {
  if (!doc.embeddings) return null;
  const where = `documents[${i}].embeddings`;
  const { model, vectors } = doc.embeddings;
  if (typeof model !== 'string' || !/^[a-z-]+\/\S+$/.test(model)) {
    throw new InputError(`${doc.path}: embeddings need the model that made them as provider/model, got ${JSON.stringify(model)}`, [{ path: `${where}.model`, message: 'expected provider/model' }]);
  }
  if (!Array.isArray(vectors) || vectors.length !== doc.chunks.length) {
    const got = Array.isArray(vectors) ? vectors.length : 0;
    throw new InputError(`${doc.path}: ${got} vectors for ${doc.chunks.length} chunks: one vector per chunk, in chunk order`, [{ path: `${where}.vectors`, message: `expected ${doc.chunks.length} vectors` }]);
  }
  if (vectors.length === 0) return null;
  const ready = storableVectors(vectors, `${where}.vectors`);
  const size = ready[0].length;
  const other = dims.get(model);
  if (other !== undefined && other !== size) throw dimensionConflict(model, size, other);
  dims.set(model, size);
  return ready;
}

/** PostgreSQL text cannot hold NUL, which PDF extraction sometimes leaves behind; it carries nothing. */
const clean = (text: string) => (text.includes('\u0000') ? text.replaceAll('\u0000', '') : text);

function documentsJson(docs: DocumentInput[]): string {
  return JSON.stringify(docs.map((d) => ({ path: d.path, title: clean(d.title), content_hash: d.contentHash, bytes: d.bytes, metadata: d.metadata ?? {} })));
}

/**
 * The chunks, each naming its vector by its 1-based place in vectorLiterals. Vectors travel apart
 * from the JSON: as jsonb every number would become a numeric first, several times slower.
 */
function chunksJson(docs: DocumentInput[], vectors: (number[][] | null)[]): string {
  let vec = 0;
  return JSON.stringify(docs.flatMap((d, i) =>
    d.chunks.map((c, j) => ({
      path: d.path,
      position: c.position,
      title: clean(c.title),
      section_path: c.sectionPath.map(clean),
      // BM25's title field: what names the chunk rather than what it says.
      heading: clean([c.title, ...c.sectionPath].join('\n')),
      text: clean(c.text),
      tokens: c.tokens,
      location: c.location ?? null,
      model: vectors[i] ? d.embeddings!.model : null,
      vec: vectors[i]?.[j] ? ++vec : null,
    }))));
}

/** Every stored vector as an array literal, in the order chunksJson numbers them. */
function vectorLiterals(vectors: (number[][] | null)[]): string[] {
  return vectors.flatMap((doc) => (doc ?? []).map(vectorLiteral));
}

/**
 * Documents, chunks, postings and vectors in one statement. Lexemes come from Postgres text
 * search: the title field's with weight A, the body's with the default weight D, in one vector, so a lexeme's
 * weights tell how often it occurs in each field. A chunk's length in a field is its number of
 * lexeme occurrences there (stop words are not counted, as in Lucene).
 */
const insertSql = (docs: string) => `
WITH docs AS (${docs}),
parts AS (
  SELECT c.*, docs.id AS document_id,
    setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', c.heading), 'A') || to_tsvector('${TEXT_SEARCH_CONFIG}', c.text) AS tsv
  FROM jsonb_to_recordset($4::jsonb) AS c(path text, position int, title text, section_path text[], heading text, text text, tokens int, location jsonb, model text, vec int)
  JOIN docs ON docs.path = c.path
),
lexemes AS (
  SELECT p.document_id, p.position, u.lexeme AS term,
    cardinality(array_positions(u.weights, 'D')) AS tf, cardinality(array_positions(u.weights, 'A')) AS title_tf
  FROM parts p CROSS JOIN LATERAL unnest(p.tsv) AS u
),
lengths AS (
  SELECT document_id, position, sum(tf)::int AS body_len, sum(title_tf)::int AS head_len FROM lexemes GROUP BY document_id, position
),
chunks AS (
  INSERT INTO knowledge_chunks (project_id, source_id, document_id, position, title, section_path, text, tokens, location, tsv, length, title_length)
  SELECT $1, $2, p.document_id, p.position, p.title, coalesce(p.section_path, '{}'), p.text, p.tokens, p.location, p.tsv,
    coalesce(l.body_len, 0), coalesce(l.head_len, 0)
  FROM parts p LEFT JOIN lengths l ON l.document_id = p.document_id AND l.position = p.position
  RETURNING id, document_id, position, length, title_length
),
terms AS (
  INSERT INTO knowledge_chunk_terms (project_id, term, chunk_id, document_id, source_id, tf, title_tf, length, title_length)
  SELECT $1, x.term, c.id, c.document_id, $2, x.tf, x.title_tf, c.length, c.title_length
  FROM chunks c JOIN lexemes x ON x.document_id = c.document_id AND x.position = c.position
),
vecs AS (
  SELECT n, ${realArraySql('v')} AS embedding FROM unnest($5::text[]) WITH ORDINALITY AS x(v, n)
),
vectors AS (
  INSERT INTO knowledge_chunk_embeddings (project_id, chunk_id, source_id, document_id, model, dims, embedding)
  SELECT $1, c.id, $2, c.document_id, p.model, cardinality(v.embedding), v.embedding
  FROM chunks c JOIN parts p ON p.document_id = c.document_id AND p.position = c.position JOIN vecs v ON v.n = p.vec
)
SELECT docs.id, docs.path FROM docs`;

const INSERT_SQL = insertSql(`
  INSERT INTO knowledge_documents (project_id, source_id, path, title, content_hash, bytes, metadata)
  SELECT $1, $2, d.path, d.title, d.content_hash, d.bytes, coalesce(d.metadata, '{}'::jsonb)
  FROM jsonb_to_recordset($3::jsonb) AS d(path text, title text, content_hash text, bytes bigint, metadata jsonb)
  RETURNING id, path`);

/** More chunks for a document inserted earlier in the same transaction; $3 is its id. */
const APPEND_SQL = insertSql(`SELECT id, path FROM knowledge_documents WHERE id = $3::bigint AND source_id = $2`);
