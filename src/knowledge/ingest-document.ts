/**
 * One file to one stored document: fingerprint, skip when unchanged, else parse as a stream, chunk,
 * embed, and replace the stored version in one transaction. The old version stays until the new one
 * has landed whole, so a failure at any step leaves the store as it was for this document.
 */
import path from 'node:path';
import { canonicalJson, sha256 } from '../core/ids.ts';
import type { Db } from '../store/db.ts';
import { chunkBlocks } from './chunk.ts';
import type { Chunk, ChunkOptions, Embedder } from './contracts.ts';
import { hashFile, type FoundFile } from './ingest-files.ts';
import type { DocumentOrigin, StoredDocumentState } from './inventory.ts';
import { IngestFileError } from './parse/errors.ts';
import { openDocument } from './parse/index.ts';
import { replaceDocumentInBatches, type ChunkBatch } from './store.ts';
import { embeddingText } from './vectors.ts';

/** Texts per embedding request. */
export const EMBED_BATCH = 64;
/**
 * Bumped when parsing or chunking changes what a file turns into, so the next ingest redoes every
 * document instead of skipping it as unchanged.
 */
const PIPELINE_VERSION = 1;
/**
 * Default bound on a document's text: a sanity limit, not a memory one (chunks are stored in
 * batches). Rendering can make the text larger than the file (a CSV row repeats its column names),
 * so the text is bounded, not only the file size.
 */
export const DEFAULT_MAX_DOCUMENT_CHARS = 2_000_000_000;
const STREAMED_EXTENSIONS = new Set(['.md', '.markdown', '.txt', '.text', '.csv']);
/** Chunks per statement while storing a document. */
const STORE_BATCH_CHUNKS = 256;
const STORE_BATCH_CHARS = 1_000_000;

export interface DocumentSettings {
  projectId: string;
  sourceId: number;
  chunking: ChunkOptions;
  /** Where the source's documents are published; a document's link is its key joined to it. */
  baseUrl?: string;
  origin: DocumentOrigin;
  /** The agent's folder, for `metadata.file`; absent for uploads, which have no file of the agent's. */
  agentDir?: string;
  embedder?: Embedder;
  /** Called as each batch of a document goes to the store, with the document's chunks so far. */
  onBatch?: (chunks: number) => void;
  /** Largest PDF, DOCX or HTML file, in bytes (they are parsed whole); text, Markdown and CSV stream at any size. */
  maxBytes: number;
  /** Largest text of one document, in characters. */
  maxChars: number;
  signal?: AbortSignal;
}

export type DocumentOutcome =
  | { status: 'unchanged' }
  | { status: 'added' | 'changed'; chunks: number; embedding: { tokens: number; costUsd: number } | null };

/**
 * What the stored chunks depend on, hashed: the file's bytes, the chunking, the embedding model and
 * the link base. Changing any of them makes the document "changed" at the next ingest.
 */
export function fingerprint(fileSha: string, s: Pick<DocumentSettings, 'chunking' | 'embedder' | 'baseUrl'>): string {
  return sha256(canonicalJson({ v: PIPELINE_VERSION, file: fileSha, chunking: s.chunking, embed: s.embedder?.ref ?? null, baseUrl: s.baseUrl ?? null }));
}

/** `key` (a relative path) joined to the source's published base, segment by segment. */
export function documentLink(key: string, baseUrl: string): string {
  return new URL(key.split('/').map(encodeURIComponent).join('/'), baseUrl).href;
}

function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1) return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
}

export async function ingestDocument(db: Db, file: FoundFile, previous: StoredDocumentState | undefined, s: DocumentSettings): Promise<DocumentOutcome> {
  // Text, Markdown and CSV stream at any size; the formats parsed whole are refused before hashing.
  if (file.size > s.maxBytes && !STREAMED_EXTENSIONS.has(path.extname(file.abs).toLowerCase())) {
    throw new IngestFileError(file.abs, 'too_large', `too large (${formatSize(file.size)} > ${formatSize(s.maxBytes)} limit)`);
  }
  const contentHash = fingerprint(await hashFile(file.abs), s);
  // A sync takes over a document an upload added when it finds the same content on disk.
  if (previous?.contentHash === contentHash && (previous.origin === s.origin || s.origin === 'added')) return { status: 'unchanged' };

  const doc = await openDocument(file.abs, { maxBytes: s.maxBytes });
  const title = doc.title ?? path.basename(file.abs);
  let chunks = 0;
  let embedding: { tokens: number; costUsd: number } | null = s.embedder ? { tokens: 0, costUsd: 0 } : null;

  // Chunks go to the store a batch at a time inside the document's transaction, so a file of
  // hundreds of MB never sits in memory whole.
  async function* batches(): AsyncGenerator<ChunkBatch> {
    let batch: Chunk[] = [];
    let batchChars = 0;
    let chars = 0;
    const flush = async (): Promise<ChunkBatch> => {
      const out: ChunkBatch = { chunks: batch };
      if (s.embedder) {
        const embedded = await embedChunks(s.embedder, batch, s.signal);
        out.embeddings = { model: s.embedder.ref, vectors: embedded.vectors };
        embedding = { tokens: embedding!.tokens + embedded.tokens, costUsd: embedding!.costUsd + embedded.costUsd };
      }
      chunks += batch.length;
      s.onBatch?.(chunks);
      batch = [];
      batchChars = 0;
      return out;
    };
    for await (const chunk of chunkBlocks(doc.blocks, { title, chunking: s.chunking })) {
      s.signal?.throwIfAborted();
      chars += chunk.text.length;
      if (chars > s.maxChars) {
        const limit = s.maxChars >= 1_000_000 ? `${Math.round(s.maxChars / 100_000) / 10} million` : String(s.maxChars);
        throw new IngestFileError(file.abs, 'too_large', `too large: more than ${limit} characters of text`);
      }
      batch.push(chunk);
      batchChars += chunk.text.length;
      if (batch.length >= STORE_BATCH_CHUNKS || batchChars >= STORE_BATCH_CHARS) yield await flush();
    }
    if (batch.length > 0) yield await flush();
    if (chunks === 0) throw new IngestFileError(file.abs, 'empty', 'contains no text to ingest (headings only)');
  }

  const format = path.extname(file.abs).slice(1).toLowerCase();
  // Read once every block is in: a streamed CSV knows its row count only at the end.
  const metadata = (): Record<string, unknown> => ({
    ...doc.metadata,
    format,
    origin: s.origin,
    ...(s.agentDir ? { file: path.relative(s.agentDir, file.abs).split(path.sep).join('/') } : {}),
    ...(s.baseUrl ? { link: documentLink(file.key, s.baseUrl) } : {}),
  });
  await replaceDocumentInBatches(db, { projectId: s.projectId, sourceId: s.sourceId, path: file.key, title, contentHash, bytes: file.size, metadata }, batches());
  return { status: previous ? 'changed' : 'added', chunks, embedding };
}

async function embedChunks(embedder: Embedder, chunks: Chunk[], signal?: AbortSignal): Promise<{ vectors: number[][]; tokens: number; costUsd: number }> {
  const vectors: number[][] = [];
  let tokens = 0;
  let costUsd = 0;
  for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
    // The same text embedMissingChunks embeds, so back-filled vectors compare with these.
    const texts = chunks.slice(i, i + EMBED_BATCH).map(embeddingText);
    const result = await embedder.embed(texts, { signal });
    if (result.vectors.length !== texts.length) {
      throw new Error(`embedding model ${embedder.ref} returned ${result.vectors.length} vectors for ${texts.length} texts`);
    }
    vectors.push(...result.vectors);
    tokens += result.tokens;
    costUsd += result.costUsd;
  }
  return { vectors, tokens, costUsd };
}
