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
import { replaceDocument, type DocumentInput } from './store.ts';
import { embeddingText } from './vectors.ts';

/** Texts per embedding request. */
export const EMBED_BATCH = 64;
/**
 * Bumped when parsing or chunking changes what a file turns into, so the next ingest redoes every
 * document instead of skipping it as unchanged.
 */
const PIPELINE_VERSION = 1;
/**
 * Default bound on a document's text. A document is stored whole in one statement, so its chunks
 * are held in memory and the database indexes them at once: 25 million characters took the
 * embedded store to 1.8 GB. Rendering can also make the text larger than the file (a CSV row
 * repeats its column names), so the text is bounded, not only the file size.
 */
export const DEFAULT_MAX_DOCUMENT_CHARS = 16_000_000;

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
  /** Largest file, in bytes. */
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
  if (file.size > s.maxBytes) {
    throw new IngestFileError(file.abs, 'too_large', `too large (${formatSize(file.size)} > ${formatSize(s.maxBytes)} limit)`);
  }
  const contentHash = fingerprint(await hashFile(file.abs), s);
  // A sync takes over a document an upload added when it finds the same content on disk.
  if (previous?.contentHash === contentHash && (previous.origin === s.origin || s.origin === 'added')) return { status: 'unchanged' };

  const doc = await openDocument(file.abs, { maxBytes: s.maxBytes });
  const title = doc.title ?? path.basename(file.abs);
  const chunks: Chunk[] = [];
  let chars = 0;
  for await (const chunk of chunkBlocks(doc.blocks, { title, chunking: s.chunking })) {
    s.signal?.throwIfAborted();
    chars += chunk.text.length;
    if (chars > s.maxChars) {
      const limit = s.maxChars >= 1_000_000 ? `${Math.round(s.maxChars / 100_000) / 10} million` : String(s.maxChars);
      throw new IngestFileError(file.abs, 'too_large', `too large: more than ${limit} characters of text (a document is stored whole; split the file)`);
    }
    chunks.push(chunk);
  }
  if (chunks.length === 0) throw new IngestFileError(file.abs, 'empty', 'contains no text to ingest (headings only)');

  const metadata: Record<string, unknown> = {
    ...doc.metadata,
    format: path.extname(file.abs).slice(1).toLowerCase(),
    origin: s.origin,
  };
  if (s.agentDir) metadata.file = path.relative(s.agentDir, file.abs).split(path.sep).join('/');
  if (s.baseUrl) metadata.link = documentLink(file.key, s.baseUrl);

  const input: DocumentInput = { projectId: s.projectId, sourceId: s.sourceId, path: file.key, title, contentHash, bytes: file.size, metadata, chunks };
  let embedding: { tokens: number; costUsd: number } | null = null;
  if (s.embedder) {
    const embedded = await embedChunks(s.embedder, chunks, s.signal);
    input.embeddings = { model: s.embedder.ref, vectors: embedded.vectors };
    embedding = { tokens: embedded.tokens, costUsd: embedded.costUsd };
  }
  await replaceDocument(db, input);
  return { status: previous ? 'changed' : 'added', chunks: chunks.length, embedding };
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
