import assert from 'node:assert/strict';
import path from 'node:path';
import { InputError, type ErrorIssue } from '../../../src/core/errors.ts';
import { parseSuite } from '../../../src/eval/suite/load.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/suites');

/** Where inline suites claim to live: they are parsed from text, never read. */
export const INLINE_DIR = path.resolve(import.meta.dirname, 'inline');

/** Parses suite text under a file name and returns the issues it was rejected with. */
export function issuesOf(text: string, name: string): ErrorIssue[] {
  const file = path.join(INLINE_DIR, name);
  try {
    parseSuite(text, file);
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    for (const issue of err.issues) assert.equal(issue.file, file);
    return err.issues;
  }
  assert.fail('the suite was accepted');
}

export function issueAt(issues: ErrorIssue[], fieldPath: string): ErrorIssue {
  const found = issues.find((i) => i.path === fieldPath);
  assert.ok(found, `no issue for ${fieldPath}; got ${JSON.stringify(issues, null, 1)}`);
  return found;
}
