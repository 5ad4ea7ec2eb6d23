/**
 * Files to documents. `openDocument` streams a file's blocks so the ingester can chunk and store
 * them as they come (plain text, markdown and CSV are read incrementally, whatever their size);
 * `parseFile` returns the whole document for files small enough to hold. Every failure is an
 * IngestFileError naming the file and the reason, so one bad file never stops a batch.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../../core/errors.ts';
import type { DocumentBlock, ParsedDocument } from '../contracts.ts';
import { openCsv } from './csv.ts';
import { IngestFileError } from './errors.ts';
import { parseHtml } from './html.ts';
import { openMarkdown } from './markdown.ts';
import { decodeWhole, lineBatches, readFailure, readText } from './read.ts';
import { textBlocks } from './text.ts';

export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.txt', '.text', '.html', '.htm', '.pdf', '.csv', '.docx'] as const;

/** Largest file loaded whole (PDF, DOCX, HTML always; every format in parseFile). */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

export interface ParseOptions {
  /** Largest file, in bytes, that is loaded whole; default 50 MB. */
  maxBytes?: number;
}

export interface DocumentStream {
  title: string | null;
  /** Format facts; for CSV, `rows` is filled in once all blocks are read. */
  metadata: Record<string, unknown>;
  /**
   * The blocks in document order. Iterate to the end (or break, which closes the file). It may
   * still throw IngestFileError: binary data or a CSV syntax error further into a streamed file,
   * or a file that turns out to hold no text.
   */
  blocks: AsyncGenerator<DocumentBlock>;
}

type Format = 'markdown' | 'text' | 'html' | 'pdf' | 'csv' | 'docx';

const FORMATS: Record<string, Format> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.csv': 'csv',
  '.docx': 'docx',
};
const STREAMED = new Set<Format>(['markdown', 'text', 'csv']);

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    const mb = bytes / (1024 * 1024);
    return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
  }
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

async function* nonEmpty(file: string, blocks: AsyncIterable<DocumentBlock>): AsyncGenerator<DocumentBlock> {
  let count = 0;
  for await (const block of blocks) {
    count++;
    yield block;
  }
  if (!count) throw new IngestFileError(file, 'empty', 'contains no text to ingest');
}

/** Reads the first piece at once, so a binary or unreadable file is refused when it is opened. */
async function primed(pieces: AsyncGenerator<string>): Promise<AsyncGenerator<string>> {
  const first = await pieces.next();
  return (async function* () {
    if (!first.done) yield first.value;
    yield* pieces;
  })();
}

function loaded(file: string, doc: ParsedDocument): DocumentStream {
  if (!doc.blocks.length) throw new IngestFileError(file, 'empty', 'contains no text to ingest');
  return { title: doc.title, metadata: doc.metadata, blocks: (async function* () { yield* doc.blocks; })() };
}

async function open(file: string, options: ParseOptions, limitEveryFormat: boolean): Promise<DocumentStream> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new InputError(`maxBytes must be a positive whole number of bytes, got ${maxBytes}`, [{ path: 'maxBytes', message: 'must be a positive integer' }]);
  }
  const ext = extname(file).toLowerCase();
  const format = FORMATS[ext];
  if (!format) {
    const found = ext ? `"${ext}"` : '(no extension)';
    throw new IngestFileError(file, 'unsupported_type', `unsupported file type ${found}; supported: ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = info.size;
  } catch (err) {
    throw readFailure(file, err);
  }
  if (size === 0) throw new IngestFileError(file, 'empty', 'file is empty (0 bytes)');
  if ((limitEveryFormat || !STREAMED.has(format)) && size > maxBytes) {
    throw new IngestFileError(file, 'too_large', `too large (${formatSize(size)} > ${formatSize(maxBytes)} limit)`);
  }

  switch (format) {
    case 'text': {
      const lines = lineBatches(await primed(readText(file)));
      return { title: null, metadata: {}, blocks: nonEmpty(file, textBlocks(lines)) };
    }
    case 'markdown': {
      const md = await openMarkdown(lineBatches(readText(file)));
      return { title: md.title, metadata: md.metadata, blocks: nonEmpty(file, md.blocks) };
    }
    case 'csv': {
      const csv = await openCsv(file, readText(file));
      return { title: null, metadata: csv.metadata, blocks: nonEmpty(file, csv.blocks) };
    }
    case 'html':
      return loaded(file, parseHtml(decodeWhole(file, await readWhole(file))));
    case 'pdf': {
      // PDF.js and mammoth are large: loaded only when such a file comes along
      const { parsePdf } = await import('./pdf.ts');
      return loaded(file, await parsePdf(file, await readWhole(file)));
    }
    case 'docx': {
      const { parseDocx } = await import('./docx.ts');
      return loaded(file, await parseDocx(file, await readWhole(file)));
    }
  }
}

async function readWhole(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw readFailure(file, err);
  }
}

/**
 * Opens a file as a stream of blocks. Plain text, markdown and CSV are read incrementally with
 * bounded memory and no size limit; PDF, DOCX and HTML are loaded whole, up to `maxBytes`.
 */
export function openDocument(file: string, options: ParseOptions = {}): Promise<DocumentStream> {
  return open(file, options, false);
}

/** Parses a whole file into memory; every format is limited to `maxBytes` (use openDocument for larger ones). */
export async function parseFile(file: string, options: ParseOptions = {}): Promise<ParsedDocument> {
  const doc = await open(file, options, true);
  const blocks: DocumentBlock[] = [];
  for await (const block of doc.blocks) blocks.push(block);
  return { title: doc.title, blocks, metadata: doc.metadata };
}
