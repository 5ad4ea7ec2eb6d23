/**
 * JSONL suites: one case object per line, blank lines skipped. The first line may instead be a
 * header `{"suite": {...}}` holding the suite-level fields of the YAML format (name, description,
 * agent, evaluators, gate); without one the suite is named after the file and has no gate.
 */
import path from 'node:path';
import { errorMessage, type ErrorIssue } from '../../core/errors.ts';
import { isRecord, MAX_ROW_CHARS, type RowSuite } from './rows.ts';

export function readJsonlSuite(text: string, file: string): RowSuite {
  const issues: ErrorIssue[] = [];
  const cases: unknown[] = [];
  const caseLines: number[] = [];
  const unreadable = new Set<number>();
  let header: Record<string, unknown> = {};
  let headerLine = 1;
  let first = true;
  const skipCase = (line: number, message: string, column?: number) => {
    issues.push({ file, line, ...(column === undefined ? {} : { column }), path: `cases[${cases.length}]`, message });
    unreadable.add(cases.length);
    caseLines.push(line);
    cases.push(null);
  };

  for (const [i, rawLine] of text.split('\n').entries()) {
    const line = i + 1;
    const row = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!row.trim()) continue;
    const isFirst = first;
    first = false;
    if (row.length > MAX_ROW_CHARS) {
      skipCase(line, `the line is ${row.length.toLocaleString('en')} characters long; a case line may have at most ${MAX_ROW_CHARS.toLocaleString('en')}`);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (err) {
      const { message, column } = jsonError(err);
      skipCase(line, `not valid JSON: ${message}`, column);
      continue;
    }
    if (isFirst && isRecord(value) && Object.keys(value).length === 1 && 'suite' in value) {
      headerLine = line;
      if (!isRecord(value.suite)) {
        issues.push({ file, line, path: 'suite', message: 'the header must be {"suite": {...}} with name, description, agent, evaluators or gate' });
        continue;
      }
      const { cases: misplaced, ...settings } = value.suite;
      if (misplaced !== undefined) issues.push({ file, line, path: 'suite.cases', message: 'the header cannot hold cases: write one case per line after it' });
      header = settings;
      continue;
    }
    if (!isRecord(value)) {
      skipCase(line, 'each line must be a JSON object: one case (or, on the first line, a {"suite": {...}} header)');
      continue;
    }
    caseLines.push(line);
    cases.push(value);
  }
  const name = header.name ?? path.basename(file, path.extname(file));
  return { raw: { ...header, name, cases }, issues, caseLines, unreadable, headerLine };
}

/** V8's JSON errors say where: "... in JSON at position 7 (line 1 column 8)". */
function jsonError(err: unknown): { message: string; column?: number } {
  const full = errorMessage(err);
  const message = full.length > 300 ? `${full.slice(0, 297)}...` : full;
  const column = /column (\d+)\)/.exec(full)?.[1];
  if (column) return { message, column: Number(column) };
  const position = /at position (\d+)/.exec(full)?.[1];
  return position ? { message, column: Number(position) + 1 } : { message };
}
