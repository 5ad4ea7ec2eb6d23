/**
 * CSV to blocks with csv-parse, streamed: each data row becomes one block reading
 * "header: value; header: value", so a chunk of rows stays self-explanatory without its header.
 */
import { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import type { DocumentBlock } from '../contracts.ts';
import { IngestFileError } from './errors.ts';

export interface CsvDocument {
  /** `columns` is known when the file is opened; `rows` (data rows) once all blocks are read. */
  metadata: { columns: string[]; rows?: number };
  blocks: AsyncGenerator<DocumentBlock>;
}

interface CsvRecord {
  record: string[];
  info: Info;
}

const DELIMITERS = [',', ';', '\t', '|'];

/** The delimiter used most in the header line, outside quotes; a comma when there is none. */
function sniffDelimiter(firstLine: string): string {
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of firstLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

function failure(file: string, err: unknown): IngestFileError {
  if (err instanceof IngestFileError) return err;
  return new IngestFileError(file, 'corrupt', `not a readable CSV: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * Opens a CSV given as decoded text. The first record is the header (read at once); the delimiter
 * (comma, semicolon, tab or pipe) is the one the header line uses most. A row's location is its
 * record number with the header as row 1 (as a spreadsheet shows it when the file has no blank
 * lines) and the line it starts on.
 */
export async function openCsv(file: string, text: AsyncIterable<string>): Promise<CsvDocument> {
  const pieces = text[Symbol.asyncIterator]();
  const first = await pieces.next();
  const head = first.done ? '' : first.value;
  const parser = parse({
    bom: true,
    delimiter: sniffDelimiter(head.slice(0, head.search(/[\r\n]|$/))),
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    trim: true,
    info: true,
  });
  const input = Readable.from(
    (async function* () {
      try {
        if (!first.done) yield head;
        for (let next = await pieces.next(); !next.done; next = await pieces.next()) yield next.value;
      } finally {
        // closes the file when the reader stops early
        await pieces.return?.(undefined);
      }
    })(),
    { objectMode: false },
  );
  // a read or decoding failure (binary data further in) must end the parse, not hang it
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<CsvRecord>;
  const next = async () => {
    try {
      return await records.next();
    } catch (err) {
      throw failure(file, err);
    }
  };

  const header = await next();
  const columns = header.done ? [] : header.value.record.map((name, i) => name || `column ${i + 1}`);
  const metadata: CsvDocument['metadata'] = { columns };

  async function* blocks(): AsyncGenerator<DocumentBlock> {
    let rows = 0;
    try {
      for (let item = await next(); !item.done; item = await next()) {
        const { record, info } = item.value;
        const pairs = record.flatMap((value, i) => (value ? [`${columns[i] ?? `column ${i + 1}`}: ${value}`] : []));
        if (!pairs.length) continue;
        rows++;
        // info.lines is where the record ends; a quoted value may span lines
        const line = info.lines - record.reduce((n, value) => n + (value.match(/\n/g)?.length ?? 0), 0);
        yield { kind: 'paragraph', text: pairs.join('; '), location: { row: info.records, line } };
      }
      metadata.rows = rows;
    } finally {
      input.destroy();
      parser.destroy();
    }
  }
  return { metadata, blocks: blocks() };
}
