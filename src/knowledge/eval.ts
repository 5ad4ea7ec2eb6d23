/**
 * Retrieval quality on a BEIR data set: the corpus is ingested into a scratch project (each
 * document one chunk unless it is very long), every judged query is run through BM25, and the
 * rankings are scored against the qrels. Documents are ranked by their best chunk.
 */
import { randomUUID } from 'node:crypto';
import { InputError } from '../core/errors.ts';
import { sha256 } from '../core/ids.ts';
import { countTokens } from '../models/tokens.ts';
import type { Db } from '../store/db.ts';
import { readCorpus, readQrels, readQueries, type BeirDocument } from './beir.ts';
import { searchBm25 } from './bm25.ts';
import type { Chunk } from './contracts.ts';
import { percentile } from '../core/stats.ts';
import { evaluateRun, type Run } from './metrics.ts';
import { ensureSource, optimizeForSearch, replaceDocuments, type DocumentInput } from './store.ts';

/**
 * Longest chunk made from one BEIR document. BEIR documents are scored whole, so they are split only
 * when a single text-search vector could not hold them faithfully (lexeme positions stop at 16,383).
 */
export const BEIR_MAX_CHUNK_TOKENS = 8_000;

/** Documents per transaction while loading a corpus: large batches, few commits. */
const BATCH_DOCS = 250;
const BATCH_CHARS = 2_000_000;
/**
 * The embedded store keeps its write-ahead log in memory until a checkpoint recycles it; left alone
 * it grows towards 1 GB during a large load. A checkpoint every this many batches bounds it.
 */
const CHECKPOINT_EVERY = 16;

export interface BeirFiles {
  corpus: string;
  queries: string;
  qrels: string;
}

export interface BeirEvalOptions extends BeirFiles {
  /** Cutoff of nDCG, recall and MRR; default 10 (recall is also reported at 100). */
  k?: number;
  k1?: number;
  b?: number;
  /** Called as documents are stored, with the number stored so far. */
  onProgress?: (docs: number) => void;
}

export interface BeirEvalResult {
  k: number;
  ndcg: number;
  recall: number;
  recallAt100: number;
  mrr: number;
  p50Ms: number;
  p95Ms: number;
  docs: number;
  chunks: number;
  queries: number;
  ingestS: number;
}

/** Runs fn with a new, empty project; the project and all it holds are deleted afterwards when `drop`. */
export async function withScratchProject<T>(db: Db, drop: boolean, fn: (projectId: string) => Promise<T>): Promise<T> {
  // Short: the project id is repeated in every posting row and index entry.
  const projectId = `scratch-${randomUUID().slice(0, 8)}`;
  await db.query(`INSERT INTO projects (id, name) VALUES ($1, $2)`, [projectId, 'knowledge eval (scratch)']);
  try {
    return await fn(projectId);
  } finally {
    if (drop) {
      // Set-based deletes, leaves first: far faster than letting each row cascade on its own.
      await db.transaction(async (tx) => {
        for (const table of ['knowledge_chunk_terms', 'knowledge_chunk_embeddings', 'knowledge_chunks', 'knowledge_documents', 'knowledge_sources', 'projects']) {
          await tx.query(`DELETE FROM ${table} WHERE ${table === 'projects' ? 'id' : 'project_id'} = $1`, [projectId]);
        }
      });
    }
  }
}

export async function evaluateBeir(db: Db, projectId: string, opts: BeirEvalOptions): Promise<BeirEvalResult> {
  const k = opts.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new InputError(`--k must be a whole number from 1 to 1000, got ${opts.k}`, [{ path: '--k', message: 'expected 1-1000' }]);
  // Read the small files first, so a mistake in them is reported before a long ingest.
  const queries = await readQueries(opts.queries);
  const qrels = await readQrels(opts.qrels);
  for (const id of qrels.keys()) {
    if (!queries.has(id)) throw new InputError(`${opts.qrels}: query "${id}" is judged but not in ${opts.queries}`, [{ file: opts.qrels, path: 'query-id', message: `unknown query ${id}` }]);
  }

  const started = performance.now();
  const sourceId = await ensureSource(db, { projectId, agentName: 'eval', name: 'beir' });
  const idOf = new Map<number, string>();
  let chunks = 0;
  let batch: DocumentInput[] = [];
  let batchChars = 0;
  let batches = 0;
  const flush = async () => {
    for (const stored of await replaceDocuments(db, batch)) idOf.set(stored.documentId, stored.path);
    batch = [];
    batchChars = 0;
    if (db.kind === 'pglite' && ++batches % CHECKPOINT_EVERY === 0) await db.query('CHECKPOINT');
    opts.onProgress?.(idOf.size);
  };
  for await (const doc of readCorpus(opts.corpus)) {
    const input = documentInput(projectId, sourceId, doc);
    chunks += input.chunks.length;
    batch.push(input);
    batchChars += doc.text.length + doc.title.length;
    if (batch.length >= BATCH_DOCS || batchChars >= BATCH_CHARS) await flush();
  }
  if (batch.length > 0) await flush();
  await optimizeForSearch(db);
  const ingestS = (performance.now() - started) / 1000;

  // One more than the deepest cutoff: a document with the query's own id is not an answer to it
  // (ArguAna and Quora put the queries in the corpus), as BEIR's evaluation ignores it.
  const depth = Math.max(k, 100) + 1;
  const run: Run = new Map();
  const latencies: number[] = [];
  for (const query of qrels.keys()) {
    const t0 = performance.now();
    const hits = await searchBm25(db, { projectId, sourceIds: [sourceId], query: queries.get(query)!, k: depth, k1: opts.k1, b: opts.b, onePerDocument: true });
    latencies.push(performance.now() - t0);
    run.set(query, trecOrder(hits.map((h) => ({ id: idOf.get(h.documentId)!, score: h.score }))).filter((id) => id !== query));
  }
  const metrics = evaluateRun(run, qrels, k);
  return {
    k,
    ndcg: metrics.ndcg,
    recall: metrics.recall,
    recallAt100: metrics.recallAt100,
    mrr: metrics.mrr,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    docs: idOf.size,
    chunks,
    queries: metrics.queries,
    ingestS,
  };
}

/**
 * Document ids in the order trec_eval (and so pytrec_eval, which BEIR's figures come from) reads a
 * run: by score, equal scores by document id descending. Ties are common on short documents.
 */
function trecOrder(hits: { id: string; score: number }[]): string[] {
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((h) => h.id);
}

function documentInput(projectId: string, sourceId: number, doc: BeirDocument): DocumentInput {
  return {
    projectId,
    sourceId,
    path: doc.id,
    title: doc.title,
    contentHash: sha256(`${doc.title}\n${doc.text}`),
    bytes: Buffer.byteLength(doc.text),
    chunks: beirChunks(doc),
  };
}

/**
 * One chunk, or for a very long document pieces of about equal size cut at whitespace. A missing
 * title stays empty (not the id, which would put the id's digits in the title field).
 */
export function beirChunks(doc: BeirDocument): Chunk[] {
  const tokens = countTokens(doc.text);
  const chunk = (text: string, position: number, count: number): Chunk => ({ text, title: doc.title, sectionPath: [], position, tokens: count });
  if (tokens <= BEIR_MAX_CHUNK_TOKENS) return [chunk(doc.text, 0, tokens)];
  const words = doc.text.split(/(?<=\s)(?=\S)/);
  const pieces = Math.ceil(tokens / BEIR_MAX_CHUNK_TOKENS);
  const perPiece = Math.ceil(words.length / pieces);
  const out: Chunk[] = [];
  for (let i = 0; i < words.length; i += perPiece) {
    const text = words.slice(i, i + perPiece).join('');
    out.push(chunk(text, out.length, countTokens(text)));
  }
  return out;
}
