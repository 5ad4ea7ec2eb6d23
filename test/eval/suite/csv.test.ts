import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadSuite } from '../../../src/eval/suite/load.ts';
import { FIXTURES, issueAt, issuesOf } from './helpers.ts';

const FIXTURE = path.join(FIXTURES, 'support-smoke.csv');

const HEADER = 'id,utterance,expectedTopic,expectedActions,tags\n';

describe('loadSuite on a CSV suite', () => {
  test('reads the same suite as its JSONL twin: list cells, JSON actions, multi-line cells, spreadsheet-style headers', async () => {
    const csv = (await loadSuite(FIXTURE)).suite;
    const jsonl = (await loadSuite(path.join(FIXTURES, 'support-smoke.jsonl'))).suite;
    assert.equal(csv.name, 'support-smoke');
    assert.deepEqual(
      csv.cases.map(({ location: _l, ...c }) => c),
      jsonl.cases.map(({ location: _l, ...c }) => c),
    );
    assert.equal(csv.version, jsonl.version, 'the same content has the same version in any format');
    assert.deepEqual(
      csv.cases.map((c) => c.location),
      [2, 3, 4, 6].map((line) => ({ file: FIXTURE, line })),
    );
    assert.deepEqual(csv.cases[0].tags, ['order_status', 'action']);
  });

  test('names every unknown column, a repeated column and a missing utterance column', () => {
    const issues = issuesOf('id,question,Tags,expected topic,expectedTopic,notes\nx,hi,,,,\n', 'columns.csv');
    assert.deepEqual(
      issues.map((i) => [i.line, i.path, i.message.split(';')[0]]),
      [
        [1, 'column 2', 'unknown column "question"'],
        [1, 'column 5', 'column "expectedTopic" appears twice'],
        [1, 'column 6', 'unknown column "notes"'],
        [1, undefined, 'a CSV suite needs an utterance column'],
      ],
    );
    assert.match(issues[0].message, /the columns are id, utterance, expectedTopic/);
  });

  test('names the line and field of bad rows and collects them all', () => {
    const text = `${HEADER}a,hello,greet,,\nb,hi there,greet\n,,greet,,smoke\nc,track it,order_status,"[""lookup_order"", {""name"": 3}]",\nd,return it,returns,[lookup_order,\na,again,,,\n`;
    const issues = issuesOf(text, 'rows.csv');
    assert.match(issueAt(issues, 'cases[1]').message, /the row has 3 fields; the header has 5/);
    assert.equal(issueAt(issues, 'cases[1]').line, 3);
    assert.equal(issueAt(issues, 'cases[2]').line, 4);
    assert.match(issueAt(issues, 'cases[2]').message, /needs an utterance/);
    const name = issueAt(issues, 'cases[3].expectedActions[1].name');
    assert.equal(name.line, 5);
    const json = issueAt(issues, 'cases[4].expectedActions');
    assert.equal(json.line, 6);
    assert.match(json.message, /not a JSON array/);
    assert.match(issueAt(issues, 'cases[5].id').message, /duplicate case id "a"/);
    assert.equal(issues.length, 5, JSON.stringify(issues, null, 1));
  });

  test('reports malformed CSV, a huge record and an empty file with their lines', () => {
    const unclosed = issuesOf(`${HEADER}a,hello,greet,,\nb,"never closed,greet,,\n`, 'quote.csv');
    assert.equal(unclosed.length, 1);
    assert.match(unclosed[0].message, /^CSV syntax: Quote Not Closed/);
    assert.ok(unclosed[0].line);

    const huge = issuesOf(`${HEADER}a,${'x'.repeat(1_000_001)},greet,,\n`, 'huge.csv');
    assert.match(huge[0].message, /Max Record Size/);
    assert.equal(huge[0].line, 2);

    assert.match(issuesOf('', 'empty.csv')[0].message, /the file is empty/);
    assert.match(issueAt(issuesOf(HEADER, 'header-only.csv'), 'cases').message, /at least one case/);
  });

  test('reads off_topic as off-topic, and an empty cell as no expectation', async () => {
    const { suite } = await loadSuite(FIXTURE);
    assert.equal(suite.cases[2].expectedTopic, null);
    assert.equal('expectedTopic' in suite.cases[3], false);
  });
});
