/**
 * Packs a document's blocks into chunks for retrieval. A chunk never spans two sections (its
 * section path is exact), keeps a table whole when it fits and otherwise repeats the table's header
 * row in every part, and splits over-long prose at sentence boundaries. Consecutive chunks of one
 * section share `overlapTokens` of text so a fact cut at a boundary is still found whole.
 */
import { InputError, type ErrorIssue } from '../core/errors.ts';
import { countTokens } from '../models/tokens.ts';
import { DEFAULT_CHUNKING, type Chunk, type ChunkOptions, type DocumentBlock, type ParsedDocument } from './contracts.ts';

/** Smallest maxTokens accepted: below it a chunk cannot hold a sentence and its overlap. */
export const MIN_CHUNK_TOKENS = 50;
const SEPARATOR = '\n\n';
/** Upper bound on what SEPARATOR adds between two parts (o200k may merge it into one token with the end of a part). */
const SEPARATOR_TOKENS = 1;

export interface ChunkingInput {
  /** The document title, or its file name when it has none. */
  title: string;
  chunking?: Partial<ChunkOptions>;
}

/** Defaults filled in and checked; the error names the offending field. */
export function resolveChunking(options: Partial<ChunkOptions> = {}): ChunkOptions {
  const maxTokens = options.maxTokens ?? DEFAULT_CHUNKING.maxTokens;
  const overlapTokens = options.overlapTokens ?? DEFAULT_CHUNKING.overlapTokens;
  const issues: ErrorIssue[] = [];
  const maxValid = Number.isInteger(maxTokens) && maxTokens >= MIN_CHUNK_TOKENS;
  if (!maxValid) {
    issues.push({ path: 'chunking.maxTokens', message: `must be a whole number of at least ${MIN_CHUNK_TOKENS}, got ${maxTokens}` });
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || (maxValid && overlapTokens >= maxTokens / 2)) {
    const bound = maxValid ? `less than half of maxTokens (${maxTokens})` : 'less than half of maxTokens';
    issues.push({ path: 'chunking.overlapTokens', message: `must be a whole number from 0 to ${bound}, got ${overlapTokens}` });
  }
  if (issues.length) throw new InputError(`invalid chunking options: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
  return { maxTokens, overlapTokens };
}

interface Piece {
  text: string;
  tokens: number;
  /** Table rows: never preceded by overlap text, never the source of it. */
  table: boolean;
  location?: DocumentBlock['location'];
}

const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' });

/** Cuts a single word too long for any chunk (a URL, a hash, base64) by characters. */
function splitLongWord(word: string, limit: number): string[] {
  const chars = Array.from(word);
  const out: string[] = [];
  let start = 0;
  while (start < chars.length) {
    const remaining = chars.length - start;
    let size = Math.max(1, Math.min(remaining, Math.floor((limit * chars.length) / Math.max(1, countTokens(word)))));
    while (size > 1 && countTokens(chars.slice(start, start + size).join('')) > limit) size = Math.ceil(size * 0.8);
    out.push(chars.slice(start, start + size).join(''));
    start += size;
  }
  return out;
}

type Splitter = (text: string) => string[];
const byLine: Splitter = (text) => text.split('\n').map((line, i, all) => (i < all.length - 1 ? `${line}\n` : line));
const bySentence: Splitter = (text) => Array.from(sentences.segment(text), (s) => s.segment);
const byWord: Splitter = (text) => text.match(/\s*\S+/g) ?? [text];

/**
 * Pieces of at most `limit` tokens: units of the first splitter packed greedily, a unit still too
 * long cut with the next splitter, and a single over-long word cut by characters.
 */
function fit(text: string, limit: number, splitters: Splitter[]): string[] {
  if (countTokens(text) <= limit) return [text];
  if (!splitters.length) return splitLongWord(text, limit);
  const [split, ...finer] = splitters;
  const out: string[] = [];
  let current = '';
  let currentTokens = 0;
  for (const unit of split(text)) {
    const tokens = countTokens(unit);
    if (tokens > limit) {
      if (current) out.push(current);
      out.push(...fit(unit, limit, finer));
      current = '';
      currentTokens = 0;
    } else if (current && currentTokens + tokens > limit) {
      out.push(current);
      current = unit;
      currentTokens = tokens;
    } else {
      current += unit;
      currentTokens += tokens;
    }
  }
  if (current) out.push(current);
  return out;
}

function piece(text: string, table: boolean, location: DocumentBlock['location']): Piece {
  return { text, tokens: countTokens(text), table, ...(location ? { location } : {}) };
}

class Chunker {
  private readonly title: string;
  private readonly maxTokens: number;
  private readonly overlapTokens: number;
  private readonly headings: { level: number; text: string }[] = [];
  private parts: Piece[] = [];
  private prefix: string | null = null;
  private used = 0;
  private position = 0;
  /** Tail of the last chunk, offered as overlap to the next chunk of the same section. */
  private tail: { text: string; tokens: number } | null = null;

  constructor(title: string, options: ChunkOptions) {
    this.title = title;
    this.maxTokens = options.maxTokens;
    this.overlapTokens = options.overlapTokens;
  }

  push(block: DocumentBlock): Chunk[] {
    const out: Chunk[] = [];
    if (block.kind === 'heading') {
      const text = block.text.replace(/\s+/g, ' ').trim();
      if (!text) return out;
      this.emit(out);
      this.tail = null;
      const level = block.level ?? 1;
      while (this.headings.length && this.headings[this.headings.length - 1].level >= level) this.headings.pop();
      this.headings.push({ level, text });
      return out;
    }
    for (const p of this.pieces(block)) this.add(p, out);
    return out;
  }

  end(): Chunk[] {
    const out: Chunk[] = [];
    this.emit(out);
    return out;
  }

  private pieces(block: DocumentBlock): Piece[] {
    const text = block.kind === 'code' ? block.text.replace(/^\n+|\s+$/g, '') : block.text.trim();
    if (!text) return [];
    const whole = piece(text, block.kind === 'table', block.location);
    if (whole.tokens <= this.maxTokens) return [whole];
    if (block.kind === 'table') return this.tableParts(text, block.location);
    // parts of a long block leave room for the overlap that joins them
    const room = this.maxTokens - this.overlapTokens - SEPARATOR_TOKENS;
    const splitters = block.kind === 'paragraph' ? [bySentence, byWord] : [byLine, bySentence, byWord];
    return fit(text, room, splitters)
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => piece(part, false, block.location));
  }

  /** A table too large for one chunk: runs of rows, each under the table's header row. */
  private tableParts(text: string, location: DocumentBlock['location']): Piece[] {
    const [header, ...rows] = text.split('\n');
    const headerTokens = countTokens(header) + 1;
    if (headerTokens * 2 > this.maxTokens) {
      // a header that fills the chunk explains nothing; cut the table like text instead
      return fit(text, this.maxTokens, [byLine, byWord]).map((part) => piece(part.trim(), true, location));
    }
    const limit = this.maxTokens - headerTokens;
    const runs = fit(rows.join('\n'), limit, [byLine, byWord]);
    return runs.map((run) => piece(`${header}\n${run.trim()}`, true, location));
  }

  private add(p: Piece, out: Chunk[]): void {
    if (this.parts.length && this.used + SEPARATOR_TOKENS + p.tokens <= this.maxTokens) {
      this.parts.push(p);
      this.used += SEPARATOR_TOKENS + p.tokens;
      return;
    }
    this.emit(out);
    const tail = this.tail;
    if (tail && !p.table && tail.tokens + SEPARATOR_TOKENS + p.tokens <= this.maxTokens) {
      this.prefix = tail.text;
      this.used = tail.tokens + SEPARATOR_TOKENS;
    }
    this.parts = [p];
    this.used += p.tokens;
  }

  private emit(out: Chunk[]): void {
    if (!this.parts.length) return;
    const texts = this.parts.map((p) => p.text);
    const text = (this.prefix === null ? texts : [this.prefix, ...texts]).join(SEPARATOR);
    const location = this.parts[0].location;
    out.push({
      text,
      title: this.title,
      sectionPath: this.headings.map((h) => h.text),
      position: this.position++,
      tokens: countTokens(text),
      ...(location ? { location } : {}),
    });
    this.tail = this.tailOf();
    this.parts = [];
    this.prefix = null;
    this.used = 0;
  }

  /** The last words of the chunk's trailing prose, up to overlapTokens; table rows are not carried over. */
  private tailOf(): { text: string; tokens: number } | null {
    if (this.overlapTokens === 0) return null;
    const lastTable = this.parts.findLastIndex((p) => p.table);
    const prose = this.parts.slice(lastTable + 1).map((p) => p.text);
    if (lastTable < 0 && this.prefix !== null) prose.unshift(this.prefix);
    if (!prose.length) return null;
    const words = byWord(prose.join(SEPARATOR));
    let start = words.length;
    let tokens = 0;
    while (start > 0) {
      const next = countTokens(words[start - 1]);
      if (tokens + next > this.overlapTokens) break;
      tokens += next;
      start--;
    }
    const text = words.slice(start).join('').trim();
    return text ? { text, tokens: countTokens(text) } : null;
  }
}

/** All chunks of a document held in memory. */
export function chunkDocument(doc: ParsedDocument, input: ChunkingInput): Chunk[] {
  const chunker = new Chunker(input.title, resolveChunking(input.chunking));
  const chunks = doc.blocks.flatMap((block) => chunker.push(block));
  return [...chunks, ...chunker.end()];
}

/** Chunks of a block stream, produced as the blocks arrive (for files too large to hold whole). */
export async function* chunkBlocks(blocks: AsyncIterable<DocumentBlock>, input: ChunkingInput): AsyncGenerator<Chunk> {
  const chunker = new Chunker(input.title, resolveChunking(input.chunking));
  for await (const block of blocks) yield* chunker.push(block);
  yield* chunker.end();
}
