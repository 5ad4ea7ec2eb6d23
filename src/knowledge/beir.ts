/**
 * Readers for the BEIR benchmark files: corpus.jsonl ({"_id","title","text"} a line),
 * queries.jsonl ({"_id","text"} a line) and qrels TSV (`query-id corpus-id score`, after a header
 * line). Files are read line by line, so a corpus larger than memory streams through. Every error
 * names the file and line.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError, errorMessage } from '../core/errors.ts';
import type { Qrels } from './metrics.ts';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

/** Numbered non-blank lines of a UTF-8 file; a missing file is an InputError naming it. */
async function* lines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${errorMessage(err)}`, [{ file, message: errorMessage(err) }]);
  }
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of reader) {
      line++;
      // A byte-order mark before the first line is not part of the data.
      const clean = line === 1 ? text.replace(/^\uFEFF/, '') : text;
      if (clean.trim() !== '') yield { line, text: clean };
    }
  } finally {
    reader.close();
    stream.destroy();
  }
}

type Kind = 'corpus' | 'queries' | 'qrels';

function bad(kind: Kind, file: string, line: number, message: string, path?: string): InputError {
  return new InputError(`invalid BEIR ${kind} file ${file} (line ${line})`, [{ file, line, message, ...(path ? { path } : {}) }]);
}

function parseObject(kind: Kind, file: string, line: number, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(kind, file, line, `not valid JSON (${errorMessage(err)})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(kind, file, line, 'expected a JSON object');
  return value as Record<string, unknown>;
}

/** BEIR ids are strings; a few converted data sets wrote them as numbers, which mean the same. */
function idOf(kind: Kind, file: string, line: number, obj: Record<string, unknown>): string {
  const id = obj._id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw bad(kind, file, line, id === undefined ? 'missing "_id"' : '"_id" must be a non-empty string', '_id');
}

function textField(kind: Kind, file: string, line: number, obj: Record<string, unknown>, field: string, required: boolean): string {
  const value = obj[field];
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) {
    if (!required) return '';
    throw bad(kind, file, line, `missing "${field}"`, field);
  }
  throw bad(kind, file, line, `"${field}" must be a string`, field);
}

/** The corpus's documents in file order; a repeated id is an error. */
export async function* readCorpus(file: string): AsyncGenerator<BeirDocument> {
  const ids = new Set<string>();
  for await (const { line, text } of lines(file)) {
    const obj = parseObject('corpus', file, line, text);
    const id = idOf('corpus', file, line, obj);
    if (ids.has(id)) throw bad('corpus', file, line, `document "${id}" appears twice`, '_id');
    ids.add(id);
    yield { id, title: textField('corpus', file, line, obj, 'title', false), text: textField('corpus', file, line, obj, 'text', true) };
  }
}

/** Query id → query text. */
export async function readQueries(file: string): Promise<Map<string, string>> {
  const queries = new Map<string, string>();
  for await (const { line, text } of lines(file)) {
    const obj = parseObject('queries', file, line, text);
    const id = idOf('queries', file, line, obj);
    if (queries.has(id)) throw bad('queries', file, line, `query "${id}" appears twice`, '_id');
    queries.set(id, textField('queries', file, line, obj, 'text', true));
  }
  return queries;
}

/**
 * Judgements from a qrels TSV. The first line is the header (`query-id corpus-id score`) when its
 * score column is not a number. Columns are separated by tabs (or, in some copies, spaces); the
 * score is a whole number, 0 meaning judged not relevant.
 */
export async function readQrels(file: string): Promise<Qrels> {
  const qrels: Qrels = new Map();
  let first = true;
  for await (const { line, text } of lines(file)) {
    const cols = text.trim().split(/\t| +/);
    const isHeader = first && cols.length === 3 && !/^-?\d+$/.test(cols[2]);
    first = false;
    if (isHeader) continue;
    if (cols.length !== 3) throw bad('qrels', file, line, `expected 3 columns (query-id, corpus-id, score), found ${cols.length}`);
    const [query, doc, score] = cols;
    if (!/^-?\d+$/.test(score)) throw bad('qrels', file, line, `score must be a whole number, got "${score}"`, 'score');
    let judged = qrels.get(query);
    if (!judged) qrels.set(query, (judged = new Map()));
    judged.set(doc, Number(score));
  }
  return qrels;
}
