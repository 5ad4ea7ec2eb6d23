/**
 * CSV suites: a header row naming columns, then one case per record. List cells are `;`-separated
 * (expected actions may also use `,`, or be a JSON array of names and { name, args } objects). An
 * empty cell leaves the field out; off-topic is written `off_topic`. The suite is named after the
 * file; gates and evaluator settings need the YAML or JSONL format.
 */
import path from 'node:path';
import { CsvError, parse, type Info } from 'csv-parse/sync';
import { errorMessage, type ErrorIssue } from '../../core/errors.ts';
import { MAX_ROW_CHARS, type RowSuite } from './rows.ts';

export const CSV_COLUMNS = ['id', 'utterance', 'expectedTopic', 'expectedActions', 'expectedOutcome', 'reference', 'expectedSources', 'mustInclude', 'mustNotInclude', 'tags'] as const;
type Column = (typeof CSV_COLUMNS)[number];

const LISTS: ReadonlySet<Column> = new Set(['expectedSources', 'mustInclude', 'mustNotInclude', 'tags']);

/** Spreadsheet headers drift: `Expected Topic`, `expected_topic` and `expectedTopic` are one column. */
const normalized = (header: string) => header.trim().toLowerCase().replace(/[\s_-]+/g, '');
const BY_NORMALIZED = new Map<string, Column>(CSV_COLUMNS.map((c) => [normalized(c), c]));

export function readCsvSuite(text: string, file: string): RowSuite {
  const issues: ErrorIssue[] = [];
  const empty: RowSuite = { issues, caseLines: [], unreadable: new Set(), headerLine: 1 };
  let records: { record: string[]; info: Info }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true, max_record_size: MAX_ROW_CHARS }) as unknown as { record: string[]; info: Info }[];
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = (err as CsvError & { lines?: number }).lines;
    issues.push({ file, ...(line ? { line } : {}), message: `CSV syntax: ${errorMessage(err)}` });
    return empty;
  }
  if (!records.length) {
    issues.push({ file, line: 1, message: 'no header row: the first row names the columns (utterance, expectedTopic, ...)' });
    return empty;
  }

  const headerLine = startLine(records[0]);
  const columns: Column[] = [];
  for (const [i, cell] of records[0].record.entries()) {
    const column = BY_NORMALIZED.get(normalized(cell));
    if (!column) {
      issues.push({ file, line: headerLine, path: `column ${i + 1}`, message: `unknown column "${cell}"; the columns are ${CSV_COLUMNS.join(', ')}` });
    } else if (columns.includes(column)) {
      issues.push({ file, line: headerLine, path: `column ${i + 1}`, message: `column "${column}" appears twice` });
    }
    columns.push(column as Column);
  }
  if (!columns.includes('utterance')) issues.push({ file, line: headerLine, message: 'a CSV suite needs an utterance column' });
  if (issues.length) return { ...empty, headerLine };

  const cases: unknown[] = [];
  const caseLines: number[] = [];
  const unreadable = new Set<number>();
  for (const item of records.slice(1)) {
    const { record } = item;
    if (record.every((cell) => !cell.trim())) continue;
    const line = startLine(item);
    const index = cases.length;
    caseLines.push(line);
    if (record.length !== columns.length) {
      issues.push({ file, line, path: `cases[${index}]`, message: `the row has ${record.length} fields; the header has ${columns.length}` });
      unreadable.add(index);
      cases.push(null);
      continue;
    }
    const c: Record<string, unknown> = {};
    for (const [i, column] of columns.entries()) {
      const value = record[i].trim();
      if (!value) continue;
      if (LISTS.has(column)) c[column] = splitList(value, /;/);
      else if (column === 'expectedActions') {
        const actions = readActions(value);
        if ('error' in actions) issues.push({ file, line, path: `cases[${index}].expectedActions`, message: actions.error });
        else c[column] = actions.value;
      } else c[column] = value;
    }
    cases.push(c);
  }
  return { raw: { name: path.basename(file, path.extname(file)), cases }, issues, caseLines, unreadable, headerLine };
}

/** `info.lines` is where a record ends; a quoted value may span lines. */
function startLine({ record, info }: { record: string[]; info: Info }): number {
  return info.lines - record.reduce((n, value) => n + (value.match(/\n/g)?.length ?? 0), 0);
}

function splitList(value: string, separator: RegExp): string[] {
  return value
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

function readActions(value: string): { value: unknown } | { error: string } {
  if (!value.startsWith('[')) return { value: splitList(value, /[;,]/) };
  try {
    return { value: JSON.parse(value) as unknown };
  } catch (err) {
    return { error: `starts with "[" but is not a JSON array: ${errorMessage(err)}` };
  }
}
