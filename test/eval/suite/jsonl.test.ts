import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadSuite, parseSuite } from '../../../src/eval/suite/load.ts';
import { FIXTURES, INLINE_DIR, issueAt, issuesOf } from './helpers.ts';

const FIXTURE = path.join(FIXTURES, 'support-smoke.jsonl');

/** JSONL text from objects, one per line. */
const jsonl = (...rows: unknown[]) => `${rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`;

describe('loadSuite on a JSONL suite', () => {
  test('reads one case per line after the header, skipping blank lines, each case located at its line', async () => {
    const { suite } = await loadSuite(FIXTURE);
    assert.equal(suite.name, 'support-smoke');
    assert.deepEqual(suite.gate, []);
    assert.deepEqual(suite.evaluators, {});
    assert.deepEqual(
      suite.cases.map((c) => [c.id, c.location.line]),
      [
        ['status', 2],
        ['case-2', 4],
        ['weather', 5],
        ['case-4', 6],
      ],
    );
    assert.deepEqual(suite.cases[0].expectedActions, [{ name: 'lookup_order', args: { order_id: 'A10244' } }]);
    assert.equal(suite.cases[2].expectedTopic, null);
    assert.equal(suite.cases[3].utterance, 'Track order A10262 and\nstart a return');
  });

  test('takes name, agent, evaluators and gate from a {"suite": ...} header, and the file name without one', () => {
    const withHeader = parseSuite(
      jsonl({ suite: { name: 'nightly', agent: 'acme-support', evaluators: { rouge_l: { enabled: false } }, gate: ['topic_match mean >= 0.9'] } }, { utterance: 'hi' }),
      path.join(INLINE_DIR, 'x.jsonl'),
    ).suite;
    assert.equal(withHeader.name, 'nightly');
    assert.equal(withHeader.agent, 'acme-support');
    assert.deepEqual(withHeader.evaluators, { rouge_l: { enabled: false } });
    assert.deepEqual(withHeader.gate, [{ metric: 'topic_match', aggregate: 'mean', op: '>=', threshold: 0.9 }]);
    const bare = parseSuite(jsonl({ utterance: 'hi' }, { utterance: 'bye' }), path.join(INLINE_DIR, 'smoke.v2.jsonl')).suite;
    assert.equal(bare.name, 'smoke.v2');
    assert.equal(bare.cases.length, 2);
  });

  test('names line 7 and its column when it is not valid JSON, and still reports the other lines', () => {
    const lines = [
      { suite: { name: 's' } },
      { utterance: 'one' },
      { utterance: 'two', expectedActions: [{ name: 5 }] },
      { utterance: 'three' },
      '',
      { utterance: 'four' },
      '{"utterance": "five",, "tags": []}',
      { utterance: 'six' },
    ];
    const issues = issuesOf(jsonl(...lines), 'broken.jsonl');
    assert.equal(issues.length, 2, JSON.stringify(issues));
    const bad = issueAt(issues, 'cases[4]');
    assert.deepEqual([bad.line, bad.column], [7, 22]);
    assert.match(bad.message, /^not valid JSON: /);
    const name = issueAt(issues, 'cases[1].expectedActions[0].name');
    assert.equal(name.line, 3);
    assert.equal(name.column, undefined);
  });

  test('names the line of a case with neither or both of utterance and conversation, and of a duplicate id', () => {
    const issues = issuesOf(
      jsonl({ id: 'a', utterance: 'one' }, { tags: ['x'] }, { utterance: 'x', conversation: [{ role: 'user', content: 'x' }] }, { id: 'a', utterance: 'two' }),
      'cases.jsonl',
    );
    assert.equal(issueAt(issues, 'cases[1]').line, 2);
    assert.equal(issueAt(issues, 'cases[2].conversation').line, 3);
    assert.equal(issueAt(issues, 'cases[3].id').line, 4);
    assert.equal(issues.length, 3);
  });

  test('rejects lines that are not case objects, a misplaced header, a huge line and a file without cases', () => {
    const notObject = issuesOf(jsonl({ utterance: 'one' }, ['a list']), 'list.jsonl');
    assert.match(issueAt(notObject, 'cases[1]').message, /each line must be a JSON object/);
    assert.equal(notObject.length, 1);

    const late = issuesOf(jsonl({ utterance: 'one' }, { suite: { name: 'late' } }), 'late.jsonl');
    assert.equal(issueAt(late, 'cases[1].suite').message, 'unknown field "suite"');

    const holding = issuesOf(jsonl({ suite: { name: 's', cases: [] } }, { utterance: 'one' }), 'holding.jsonl');
    assert.match(issueAt(holding, 'suite.cases').message, /cannot hold cases/);

    const huge = issuesOf(jsonl({ utterance: 'one' }, { utterance: 'x'.repeat(1_000_001) }), 'huge.jsonl');
    const hugeIssue = issueAt(huge, 'cases[1]');
    assert.equal(hugeIssue.line, 2);
    assert.match(hugeIssue.message, /characters long; a case line may have at most 1,000,000/);

    assert.match(issueAt(issuesOf(jsonl({ suite: { name: 's' } }), 'header-only.jsonl'), 'cases').message, /at least one case/);
    assert.match(issuesOf('\n  \n', 'blank.jsonl')[0].message, /the file is empty/);
  });

  test('names a bad header field at the header line', () => {
    const issues = issuesOf(jsonl({ suite: { name: 's', gate: [{ metric: 'topic_match', aggregate: 'avg', threshold: 1 }] } }, { utterance: 'hi' }), 'header.jsonl');
    const issue = issueAt(issues, 'gate[0].aggregate');
    assert.equal(issue.line, 1);
  });
});
