import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { loadSuite, parseSuite } from '../../../src/eval/suite/load.ts';
import { FIXTURES, INLINE_DIR, issueAt, issuesOf } from './helpers.ts';

const FIXTURE = path.join(FIXTURES, 'support.yaml');

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'agentproof-suite-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const ONE_CASE = `name: mini
cases:
  - utterance: hello
`;

describe('loadSuite on a YAML suite', () => {
  test('reads name, agent, evaluator settings and every kind of case', async () => {
    const { suite, warnings } = await loadSuite(FIXTURE);
    assert.deepEqual(warnings, []);
    assert.equal(suite.name, 'support-smoke');
    assert.equal(suite.description, 'A few cases of every kind, for the loader tests.');
    assert.equal(suite.agent, 'acme-support');
    assert.equal(suite.file, FIXTURE);
    assert.match(suite.version, /^[0-9a-f]{16}$/);
    assert.deepEqual(suite.evaluators, { faithfulness: { threshold: 0.85 }, rouge_l: { enabled: false } });
    assert.deepEqual(
      suite.cases.map((c) => c.id),
      ['status', 'case-2', 'follow-up', 'weather', 'case-5'],
    );
    const [status, returns, followUp, weather, joke] = suite.cases;
    assert.deepEqual(status, {
      id: 'status',
      utterance: 'Where is my order A10244?',
      expectedTopic: 'order_status',
      expectedActions: [{ name: 'lookup_order', args: { order_id: 'A10244' } }],
      mustInclude: ['shipped'],
      tags: ['order_status', 'action'],
      location: { file: FIXTURE, line: 17 },
    });
    assert.equal(returns.reference, 'You can return any item within 30 days of delivery.');
    assert.deepEqual(returns.expectedSources, ['returns-policy.md']);
    assert.deepEqual(returns.mustNotInclude, ['60 days']);
    assert.deepEqual(returns.evaluators, { rouge_l: { enabled: true, threshold: 0.4 } });
    assert.deepEqual(returns.tags, []);
    assert.equal(followUp.utterance, undefined);
    assert.deepEqual(followUp.conversation?.map((t) => t.role), ['user', 'assistant', 'user']);
    assert.deepEqual(followUp.expectedActions, [{ name: 'lookup_order' }, { name: 'start_return' }]);
    assert.equal(followUp.expectedOutcome, 'Starts a return for the tent and says a label will be emailed.');
    assert.equal(weather.expectedTopic, null, '"off_topic" means off-topic');
    assert.equal(joke.expectedTopic, null);
    assert.deepEqual(
      suite.cases.map((c) => c.location.line),
      [17, 24, 32, 41, 46],
    );
  });

  test('reads gate criteria as objects or one-line text, with ">=" or, for latency, tokens and cost, "<=" by default', async () => {
    const { suite } = await loadSuite(FIXTURE);
    assert.deepEqual(suite.gate, [
      { metric: 'topic_match', aggregate: 'mean', op: '>=', threshold: 0.9, minCases: 3 },
      { metric: 'topic_match', aggregate: 'pass_rate', op: '>=', threshold: 0.8 },
      { metric: 'latency_ms', aggregate: 'p95', op: '<=', threshold: 3000 },
      { metric: 'faithfulness', aggregate: 'mean', op: '>=', threshold: 0.85, minCases: 2 },
    ]);
  });

  test('keeps the version when only formatting, comments or the file location change, and changes it with the content', () => {
    const a = parseSuite(ONE_CASE, path.join(INLINE_DIR, 'a.yaml')).suite;
    const b = parseSuite(`# reformatted\nname: "mini"\ncases: [{ utterance: hello, tags: [] }]\n`, path.join(INLINE_DIR, 'elsewhere', 'b.yml')).suite;
    const c = parseSuite(ONE_CASE.replace('hello', 'hello!'), path.join(INLINE_DIR, 'a.yaml')).suite;
    assert.equal(a.version, b.version);
    assert.notEqual(a.version, c.version);
  });

  test('names file, line and field when a case has neither utterance nor conversation', () => {
    const issues = issuesOf(`name: s\ncases:\n  - utterance: hi\n  - expectedTopic: returns\n    tags: [x]\n`, 'neither.yaml');
    const issue = issueAt(issues, 'cases[1]');
    assert.equal(issue.line, 4);
    assert.equal(issue.column, 5);
    assert.match(issue.message, /needs an utterance or a conversation/);
    assert.equal(issues.length, 1);
  });

  test('names the conversation when a case has both an utterance and a conversation', () => {
    const issues = issuesOf(`name: s\ncases:\n  - utterance: hi\n    conversation:\n      - { role: user, content: hi }\n`, 'both.yaml');
    const issue = issueAt(issues, 'cases[0].conversation');
    assert.equal(issue.line, 5);
    assert.match(issue.message, /either utterance or conversation, not both/);
  });

  test('names the field of a wrong type, down to an expected action name', () => {
    const issues = issuesOf(
      `name: s
cases:
  - utterance: hi
    expectedActions: lookup_order
  - utterance: hi
    expectedActions: [lookup_order, { name: 5 }, { name: x, arguments: {} }]
    mustInclude: [ok, 3]
  - utterance: hi
    expectedTopic: 7
  - conversation:
      - { role: agent, content: hello }
`,
      'types.yaml',
    );
    assert.match(issueAt(issues, 'cases[0].expectedActions').message, /expected array/);
    assert.equal(issueAt(issues, 'cases[0].expectedActions').line, 4);
    const name = issueAt(issues, 'cases[1].expectedActions[1].name');
    assert.deepEqual([name.line, name.column], [6, 45]);
    assert.match(name.message, /expected string/);
    assert.equal(issueAt(issues, 'cases[1].expectedActions[2].arguments').message, 'unknown field "arguments"');
    assert.match(issueAt(issues, 'cases[1].mustInclude[1]').message, /expected string/);
    assert.match(issueAt(issues, 'cases[2].expectedTopic').message, /topic name, or null/);
    assert.match(issueAt(issues, 'cases[3].conversation[0].role').message, /"user"\|"assistant"/);
    assert.match(issueAt(issues, 'cases[3].conversation').message, /at least one user turn/);
  });

  test('names an evaluator override of the wrong shape, an unknown setting and a badly named evaluator', () => {
    const issues = issuesOf(
      `name: s
evaluators:
  Rouge-L: { threshold: 0.3 }
cases:
  - utterance: hi
    evaluators:
      rouge_l: 0.4
      faithfulness: { min: 0.8 }
      topic_match: { threshold: high }
`,
      'evaluators.yaml',
    );
    const shape = issueAt(issues, 'cases[0].evaluators.rouge_l');
    assert.equal(shape.line, 7);
    assert.match(shape.message, /must be a mapping with threshold, enabled and\/or options/);
    assert.equal(issueAt(issues, 'cases[0].evaluators.faithfulness.min').message, 'unknown field "min"');
    assert.match(issueAt(issues, 'cases[0].evaluators.topic_match.threshold').message, /expected number/);
    const name = issueAt(issues, 'evaluators.Rouge-L');
    assert.deepEqual([name.line, name.column], [3, 3], 'points at the key');
    assert.match(name.message, /snake_case/);
  });

  test('rejects duplicate case ids, including a given id equal to another case’s default', () => {
    const issues = issuesOf(
      `name: s
cases:
  - { id: a, utterance: one }
  - { id: a, utterance: two }
  - { utterance: three }
  - { id: case-3, utterance: four }
`,
      'dupes.yaml',
    );
    const dup = issueAt(issues, 'cases[1].id');
    assert.equal(dup.line, 4);
    assert.match(dup.message, /duplicate case id "a" \(also cases\[0\]\)/);
    assert.match(issueAt(issues, 'cases[3].id').message, /duplicate case id "case-3" \(also cases\[2\]\)/);
  });

  test('names a malformed gate criterion', () => {
    const issues = issuesOf(
      `name: s
gate:
  - topic_match average >= 0.9
  - { metric: topic_match, aggregate: pass_rate, threshold: 90 }
  - { metric: topic_match, aggregate: mean }
  - 42
cases: [{ utterance: hi }]
`,
      'gate.yaml',
    );
    assert.match(issueAt(issues, 'gate[0]').message, /must read "<metric> <aggregate>/);
    assert.match(issueAt(issues, 'gate[1].threshold').message, /between 0 and 1/);
    assert.equal(issueAt(issues, 'gate[2].threshold').message, 'missing required field "threshold"');
    assert.match(issueAt(issues, 'gate[3]').message, /a gate criterion is/);
  });

  test('collects every problem of the file, in line order', () => {
    const issues = issuesOf(`name: s\ncolour: blue\ncases:\n  - {}\n  - utterance: 5\n`, 'many.yaml');
    assert.deepEqual(
      issues.map((i) => [i.line, i.path]),
      [
        [2, 'colour'],
        [4, 'cases[0]'],
        [5, 'cases[1].utterance'],
      ],
    );
  });

  test('says what is wrong with an empty, unreadable or shapeless file', () => {
    assert.match(issuesOf('', 'empty.yaml')[0].message, /the file is empty/);
    assert.match(issuesOf('# only a comment\n', 'comment.yaml')[0].message, /the file is empty/);
    const syntax = issuesOf('name: s\ncases:\n  - utterance: "unclosed\n', 'syntax.yaml')[0];
    assert.match(syntax.message, /YAML syntax/);
    assert.ok(syntax.line && syntax.line >= 3, `line ${syntax.line}`);
    assert.match(issuesOf('name: a\nname: b\ncases: []\n', 'keys.yaml')[0].message, /YAML syntax: Map keys must be unique/);
    assert.match(issuesOf('- utterance: hi\n', 'list.yaml')[0].message, /must be a mapping/);
    assert.equal(issueAt(issuesOf('cases: [{ utterance: hi }]\n', 'noname.yaml'), 'name').message, 'missing required field "name"');
    assert.match(issueAt(issuesOf('name: s\ncases: []\n', 'nocases.yaml'), 'cases').message, /at least one case/);
    assert.equal(issueAt(issuesOf('name: s\n', 'nocases.yaml'), 'cases').message, 'missing required field "cases"');
  });

  test('refuses a file whose extension names no suite format, and a missing file', async () => {
    assert.throws(() => parseSuite(ONE_CASE, path.join(INLINE_DIR, 'suite.json')), (err: unknown) => err instanceof InputError && /use a \.yaml, \.yml, \.jsonl, \.csv file/.test(err.message));
    await assert.rejects(loadSuite(path.join(tmp, 'missing.yaml')), (err: unknown) => err instanceof InputError && /cannot read suite file/.test(err.message));
  });

  test('reads a suite from disk by its path, relative or absolute', async () => {
    const file = path.join(tmp, 'disk.yml');
    await writeFile(file, ONE_CASE);
    const { suite } = await loadSuite(path.relative(process.cwd(), file));
    assert.equal(suite.file, file);
    assert.deepEqual(suite.cases[0].location, { file, line: 3 });
  });

  test('loads the regression suite of the Acme example', async () => {
    const { suite } = await loadSuite(path.resolve(import.meta.dirname, '../../../examples/acme-support/tests/regression.yaml'));
    assert.ok(suite.cases.length >= 50);
    assert.ok(suite.gate.length > 0);
  });
});
