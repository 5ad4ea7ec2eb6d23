/**
 * Loads a suite file by its extension: `.yaml`/`.yml` (the Agentproof format, or an Agentforce
 * test spec when it lists `testCases`), `.jsonl` or `.csv`. Every problem is reported at once, each
 * with file, line (and column where known) and the field, e.g. `cases[3].expectedActions[0].name`.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap } from 'yaml';
import { InputError, errorMessage, type ErrorIssue } from '../../core/errors.ts';
import { issuesFromZod, parseYamlSource, throwIssues } from '../../core/input-issues.ts';
import type { Suite } from '../contracts.ts';
import { fromAgentforce, isAgentforceSpec } from './agentforce.ts';
import { assembleSuite } from './assemble.ts';
import { readCsvSuite } from './csv.ts';
import { readJsonlSuite } from './jsonl.ts';
import { rowLocate, type RowSuite } from './rows.ts';
import { suiteFileSchema } from './schema.ts';

export interface LoadedSuite {
  suite: Suite;
  /** What was read but not used (fields of an imported Agentforce spec with no equivalent). */
  warnings: ErrorIssue[];
}

export const SUITE_EXTENSIONS = ['.yaml', '.yml', '.jsonl', '.csv'] as const;

/** Far above any hand-made suite; a bigger file is almost surely the wrong file. */
export const MAX_SUITE_BYTES = 64 * 1024 * 1024;

export async function loadSuite(file: string): Promise<LoadedSuite> {
  file = path.resolve(file);
  suiteFormatOf(file);
  const info = await stat(file).catch((err: unknown) => {
    throw new InputError(`cannot read suite file ${file}: ${errorMessage(err)}`, [{ file, message: errorMessage(err) }]);
  });
  if (!info.isFile()) throw new InputError(`suite ${file} is not a file`, [{ file, message: 'not a file' }]);
  if (info.size > MAX_SUITE_BYTES) {
    throw new InputError(`suite ${file} is ${(info.size / 1024 / 1024).toFixed(0)} MB; the limit is ${MAX_SUITE_BYTES / 1024 / 1024} MB`, [{ file, message: 'file too large' }]);
  }
  return parseSuite(await readFile(file, 'utf8'), file);
}

/** Parses suite text; `file` names it in issues as given (a request body has no path), and its extension says the format. */
export function parseSuite(text: string, file: string): LoadedSuite {
  const format = suiteFormatOf(file);
  const title = `invalid suite ${file}`;
  // Spreadsheet and Windows editors often start files with a byte-order mark.
  text = text.replace(/^\uFEFF/, '');
  if (!text.trim()) throwIssues(title, [{ file, line: 1, column: 1, message: 'the file is empty: a suite needs cases' }]);
  if (format === 'yaml') return parseYamlSuite(text, file);
  const rows = format === 'jsonl' ? readJsonlSuite(text, file) : readCsvSuite(text, file);
  return validateRows(rows, file, title);
}

/** A suite file's format, from its extension; an InputError naming the file for any other. */
export function suiteFormatOf(file: string): 'yaml' | 'jsonl' | 'csv' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.jsonl' || ext === '.csv') return ext.slice(1) as 'jsonl' | 'csv';
  throw new InputError(`cannot tell the format of suite ${file}: use a ${SUITE_EXTENSIONS.join(', ')} file`, [{ file, message: `unsupported extension "${ext}"` }]);
}

function parseYamlSuite(text: string, file: string): LoadedSuite {
  const title = `invalid suite ${file}`;
  const src = parseYamlSource(text, file);
  if (src.syntaxIssues.length) throwIssues(title, src.syntaxIssues);
  if (src.empty) throwIssues(title, [{ file, line: 1, column: 1, message: 'the file is empty: a suite needs a name and cases' }]);
  if (!isMap(src.doc.contents)) {
    throwIssues(title, [{ ...src.at(src.doc.contents?.range?.[0] ?? 0), message: 'the file must be a mapping of fields (name, cases, ...)' }]);
  }
  const raw: unknown = src.doc.toJS({ maxAliasCount: 100 });
  const lineOf = (segments: (string | number)[]) => src.locate(segments).line ?? 1;

  if (isAgentforceSpec(raw)) {
    const imported = fromAgentforce(raw, src.locate);
    if ('issues' in imported) throwIssues(`invalid Agentforce test spec ${file}`, imported.issues);
    return { suite: assembleSuite(imported.suite, file, (i) => lineOf(['testCases', i])), warnings: imported.warnings };
  }
  const parsed = suiteFileSchema.safeParse(raw);
  if (!parsed.success) throwIssues(title, issuesFromZod(parsed.error.issues, src.locate));
  return { suite: assembleSuite(parsed.data, file, (i) => lineOf(['cases', i])), warnings: [] };
}

function validateRows(rows: RowSuite, file: string, title: string): LoadedSuite {
  const issues = [...rows.issues];
  if (!rows.raw) return throwIssues(title, issues);
  const parsed = suiteFileSchema.safeParse(rows.raw);
  if (!parsed.success) {
    // A row already reported as unreadable holds a placeholder; its schema issues would only repeat that.
    const fresh = parsed.error.issues.filter((i) => !(i.path[0] === 'cases' && typeof i.path[1] === 'number' && rows.unreadable.has(i.path[1])));
    issues.push(...issuesFromZod(fresh, rowLocate(file, rows)));
  }
  if (!parsed.success || issues.length) return throwIssues(title, issues);
  return { suite: assembleSuite(parsed.data, file, (i) => rows.caseLines[i]), warnings: [] };
}
