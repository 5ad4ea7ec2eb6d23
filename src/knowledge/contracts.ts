/**
 * Shapes shared by parsing, chunking, ingestion and retrieval. A parser turns a file into blocks
 * that keep the document's structure; the chunker packs blocks into chunks that remember where they
 * came from, so a citation can name the document, its section and its position.
 */

export type BlockKind = 'heading' | 'paragraph' | 'list' | 'table' | 'code';

export interface DocumentBlock {
  kind: BlockKind;
  /** Plain text of the block; a table is rendered as rows of `cell | cell`, a list as `- item` lines. */
  text: string;
  /** 1–6 for headings. */
  level?: number;
  /** Where the block starts in the source, when the format has such a notion (line, page, row). */
  location?: { line?: number; page?: number; row?: number };
}

export interface ParsedDocument {
  /** The document's own title (first heading, HTML <title>, PDF metadata), else null. */
  title: string | null;
  blocks: DocumentBlock[];
  /** Format-specific facts worth keeping (page count, sheet name, author...). */
  metadata: Record<string, unknown>;
}

export interface Chunk {
  text: string;
  /** The document title, or its file name when it has none. */
  title: string;
  /** Headings above the chunk, outermost first. */
  sectionPath: string[];
  /** 0-based order of the chunk in its document. */
  position: number;
  tokens: number;
  /** Where the chunk starts in the source (from its first block). */
  location?: DocumentBlock['location'];
}

export interface ChunkOptions {
  /** Largest chunk, in o200k tokens. */
  maxTokens: number;
  /** Tokens of the previous chunk repeated at the start of the next one within a section. */
  overlapTokens: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { maxTokens: 350, overlapTokens: 40 };

/**
 * Turns texts into vectors for the vector index. Implemented by src/models/embed.ts for the
 * `models.embed` of an agent; ingestion and retrieval take it as a parameter so they never resolve
 * models themselves.
 */
export interface Embedder {
  /** `provider/model`, stored with every vector so vectors of different models never mix. */
  ref: string;
  /** One vector per text, in order, L2-normalised; `tokens` as reported by the provider (or estimated). */
  embed(texts: string[], opts?: { signal?: AbortSignal }): Promise<{ vectors: number[][]; tokens: number; costUsd: number }>;
}
