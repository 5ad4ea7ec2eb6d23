import type { ErrorIssue } from '../../core/errors.ts';
import type { Locate, Segment } from '../../core/input-issues.ts';

/**
 * A suite read from rows (JSONL lines, CSV records) before validation: the raw suite object, the
 * line of each case, and the cases already reported as unreadable (their placeholders are skipped
 * when the schema's issues are reported, so one broken row gives one issue).
 */
export interface RowSuite {
  /** Absent when the file could not be read into rows at all. */
  raw?: Record<string, unknown>;
  issues: ErrorIssue[];
  caseLines: number[];
  unreadable: Set<number>;
  /** Line of the suite-level settings (the JSONL header, the CSV header row). */
  headerLine: number;
}

/** Longest JSONL line or CSV record accepted: a case is a few kilobytes; a bigger one is a mistake. */
export const MAX_ROW_CHARS = 1_000_000;

/** Rows have no columns worth naming: a field's place is its case's line. */
export function rowLocate(file: string, rows: RowSuite): Locate {
  return (segments) => {
    const index = segments[0] === 'cases' && typeof segments[1] === 'number' ? segments[1] : undefined;
    const line = index === undefined ? rows.headerLine : (rows.caseLines[index] ?? rows.headerLine);
    return { file, line, found: hasPath(rows.raw, segments) };
  };
}

function hasPath(value: unknown, segments: Segment[]): boolean {
  let node = value;
  for (const s of segments) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, s)) return false;
    node = (node as Record<string | number, unknown>)[s];
  }
  return node !== undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
