/**
 * Reads `text,label` training data: RFC 4180 CSV (quoted fields may hold commas, newlines and
 * doubled quotes), with a header row naming the two columns in either order.
 */
import { readFile } from 'node:fs/promises';
import { InputError, type ErrorIssue } from '../../../core/errors.ts';
import type { LabeledText } from '../contracts.ts';

interface Record {
  fields: string[];
  line: number;
}

/** Splits CSV text into records, each with the line it starts on. */
export function parseCsv(text: string, file: string): Record[] {
  const records: Record[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0].trim() !== '') records.push({ fields, line: start });
    fields = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
      if (ch === '\n') line++;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') fields.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      start = ++line;
    } else field += ch;
  }
  if (quoted) throw new InputError(`${file}: unterminated quoted field`, [{ file, line: start, message: 'a quoted field is never closed' }]);
  if (field !== '' || fields.length) endRecord();
  return records;
}

/** Reads a `text,label` CSV file into examples; every bad row is reported with its line. */
export async function readLabeledCsv(file: string): Promise<LabeledText[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, [{ file, message: 'file not readable' }]);
  }
  const [header, ...rows] = parseCsv(text, file);
  if (!header) throw new InputError(`${file} is empty`, [{ file, message: 'expected a header row "text,label"' }]);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const textCol = names.indexOf('text');
  // "intent" and "category" are accepted too: public intent sets name their label column so.
  const labelCol = names.findIndex((n) => n === 'label' || n === 'intent' || n === 'category');
  if (textCol < 0 || labelCol < 0) {
    throw new InputError(`${file}: the header must name the columns "text" and "label"`, [
      { file, line: header.line, message: `found columns: ${names.join(', ') || '(none)'}` },
    ]);
  }
  const issues: ErrorIssue[] = [];
  const examples: LabeledText[] = [];
  for (const row of rows) {
    const text = row.fields[textCol]?.trim() ?? '';
    const label = row.fields[labelCol]?.trim() ?? '';
    if (row.fields.length !== names.length) issues.push({ file, line: row.line, message: `expected ${names.length} fields, found ${row.fields.length}` });
    else if (!text) issues.push({ file, line: row.line, path: 'text', message: 'empty text' });
    else if (!label) issues.push({ file, line: row.line, path: 'label', message: 'empty label' });
    else examples.push({ text, label });
  }
  if (issues.length) throw new InputError(`${file}: ${issues.length} bad row${issues.length === 1 ? '' : 's'}`, issues.slice(0, 20));
  if (!examples.length) throw new InputError(`${file} has a header but no rows`, [{ file, message: 'no examples' }]);
  return examples;
}
