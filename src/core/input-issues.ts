/**
 * Turning problems in a person's file into issues that name file, line, column and field. Shared by
 * every loader of hand-written files (agent definitions, suites) so they all report alike: YAML keeps
 * the position of every node, zod says which field is wrong, and this module joins the two.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError, type ErrorIssue, type ErrorLocation } from './errors.ts';

export type Segment = string | number;

/**
 * Where a field is in the input. When the field is absent, `found` is false and the location is the
 * nearest enclosing thing that exists; `pointAtKey` points at a mapping key rather than its value.
 */
export type Locate = (segments: Segment[], pointAtKey?: boolean) => ErrorLocation & { found: boolean };

export interface YamlSource {
  doc: Document;
  /** Syntax errors, located; when there are any the content is not to be trusted. */
  syntaxIssues: ErrorIssue[];
  /** Nothing in the document: an empty file, only comments, or a bare null. */
  empty: boolean;
  at(offset: number): { file: string; line: number; column: number };
  locate: Locate;
}

/** Parses YAML keeping every node's position; duplicate keys are syntax errors. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  return {
    doc,
    syntaxIssues: doc.errors.map((e) => ({ ...at(e.pos[0]), message: `YAML syntax: ${e.message}` })),
    empty: doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null),
    at,
    locate: (segments, pointAtKey = false) => locateNode(doc, segments, pointAtKey, at),
  };
}

function locateNode(
  doc: Document,
  segments: Segment[],
  pointAtKey: boolean,
  at: (offset: number) => { file: string; line: number; column: number },
): ErrorLocation & { found: boolean } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of segments.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (pair) next = pointAtKey && i === segments.length - 1 ? pair.key : (pair.value ?? pair.key);
      // A null value (`key:` with nothing after it) has no range of its own: use the key's.
      if (pair && rangeStart(next) === undefined) next = pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined || next === null || rangeStart(next) === undefined) return { ...at(offset), found: false };
    node = next;
    offset = rangeStart(next) ?? offset;
  }
  return { ...at(offset), found: true };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : undefined;
}

/**
 * zod issues → located issues. Unknown keys are reported one per key at the key; a required field
 * that is absent reads "missing required field"; a union whose input plainly meant one of its
 * branches (the only branch not rejecting the value's type outright) reports that branch's own,
 * more precise issues instead of "Invalid input".
 */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], locate: Locate, base: Segment[] = []): ErrorIssue[] {
  const out: ErrorIssue[] = [];
  for (const issue of issues) {
    const segments = [...base, ...issue.path.filter((s): s is Segment => typeof s !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const { found: _found, ...where } = locate([...segments, key], true);
        out.push({ ...where, path: formatPath([...segments, key]), message: `unknown field "${key}"` });
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      const meant = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (meant.length === 1) {
        out.push(...issuesFromZod(meant[0], locate, segments));
        continue;
      }
    }
    const { found, ...where } = locate(segments, issue.code === 'invalid_key');
    const missing = !found && (issue.code === 'invalid_type' || issue.code === 'invalid_union');
    // zod reports a bad record key generically; the key rule's own message says what is expected.
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    out.push({ ...where, path: formatPath(segments), message: missing ? `missing required field "${String(segments.at(-1))}"` : message });
  }
  return out;
}

/** Throws every issue at once, in file order, under a title such as `invalid suite x.yaml`. */
export function throwIssues(title: string, issues: ErrorIssue[]): never {
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  throw new InputError(`${title} (${count})`, issues);
}

/** `['topics', 1, 'examples', 0]` → `topics[1].examples[0]`; keys that are not plain names are quoted. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
