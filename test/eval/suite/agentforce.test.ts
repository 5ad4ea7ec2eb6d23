import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { agentNameHint } from '../../../src/eval/suite/agentforce.ts';
import { loadSuite, parseSuite } from '../../../src/eval/suite/load.ts';
import { toSuiteYaml } from '../../../src/eval/suite/write.ts';
import { FIXTURES, INLINE_DIR, issueAt, issuesOf } from './helpers.ts';

const FIXTURE = path.join(FIXTURES, 'agentforce-spec.yaml');

describe('Agentforce test spec import', () => {
  test('maps test cases to suite cases: topics and actions verbatim, history to a conversation', async () => {
    const { suite } = await loadSuite(FIXTURE);
    assert.equal(suite.name, 'Customer_Service_Tests');
    assert.equal(suite.description, 'Regression tests for the service agent');
    assert.equal(suite.agent, 'customer_service_agent');
    assert.deepEqual(suite.gate, []);
    assert.deepEqual(suite.evaluators, {});
    const [status, followUp, offTopic] = suite.cases;
    assert.deepEqual(status, {
      id: 'case-1',
      utterance: 'Where is my order 00012345?',
      expectedTopic: 'Order_Inquiries',
      expectedActions: [{ name: 'IdentifyRecordByName' }, { name: 'GetOrderStatus' }],
      expectedOutcome: 'The agent tells the customer the status of order 00012345.',
      tags: [],
      location: { file: FIXTURE, line: 7 },
    });
    assert.equal(followUp.utterance, undefined);
    assert.deepEqual(followUp.conversation, [
      { role: 'user', content: 'I want to know where my order is' },
      { role: 'assistant', content: 'Sure, what is the order number?' },
      { role: 'user', content: 'The order number is 00012345' },
    ]);
    assert.equal(followUp.location.line, 18);
    assert.equal('expectedTopic' in offTopic, false, 'an empty expected topic is no expectation');
    assert.deepEqual(offTopic.expectedActions, [], 'an empty action list expects no action');
  });

  test('warns, once per field with its first line, about what it does not import', async () => {
    const { warnings } = await loadSuite(FIXTURE);
    const byPath = new Map(warnings.map((w) => [w.path, w]));
    assert.deepEqual([...byPath.keys()].sort(), [
      'subjectVersion',
      'testCases[0].metrics',
      'testCases[1].contextVariables',
      'testCases[1].conversationHistory[1].topic',
      'testCases[1].priority',
    ]);
    assert.equal(byPath.get('subjectVersion')?.line, 5);
    const metrics = byPath.get('testCases[0].metrics');
    assert.equal(metrics?.line, 13);
    assert.match(metrics?.message ?? '', /not imported.*\(2 times\)$/);
    assert.equal(byPath.get('testCases[1].priority')?.message, 'unknown field "priority" ignored');
    for (const w of warnings) assert.equal(w.file, FIXTURE);
  });

  test('orders conversation history by its index', () => {
    const { suite, warnings } = parseSuite(
      `name: T
subjectType: BOT
subjectName: A
testCases:
  - utterance: third
    conversationHistory:
      - { role: agent, message: second, index: 1 }
      - { role: user, message: first, index: 0 }
`,
      path.join(INLINE_DIR, 'history.yaml'),
    );
    assert.deepEqual(
      suite.cases[0].conversation?.map((t) => t.content),
      ['first', 'second', 'third'],
    );
    assert.deepEqual(
      warnings.map((w) => [w.line, w.path]),
      [[2, 'subjectType']],
    );
  });

  test('names file, line and field of a spec it cannot read', () => {
    const issues = issuesOf(
      `name: T
subjectName: A
testCases:
  - utterance: fine
  - expectedTopic: Orders
  - utterance: hi
    expectedActions: GetOrderStatus
    conversationHistory:
      - { role: bot, message: hello }
`,
      'bad-spec.yaml',
    );
    const missing = issueAt(issues, 'testCases[1].utterance');
    assert.equal(missing.line, 5);
    assert.equal(missing.message, 'missing required field "utterance"');
    assert.match(issueAt(issues, 'testCases[2].expectedActions').message, /expected array/);
    assert.equal(issueAt(issues, 'testCases[2].conversationHistory[0].role').line, 9);
    assert.match(issueAt(issuesOf('name: T\ntestCases: []\n', 'none.yaml'), 'testCases').message, /at least one test case/);
  });

  test('writes the imported suite as an Agentproof suite that loads back to the same suite and version', async () => {
    const { suite } = await loadSuite(FIXTURE);
    const yaml = toSuiteYaml(suite);
    const again = parseSuite(yaml, path.join(INLINE_DIR, 'imported.yaml'));
    assert.deepEqual(again.warnings, []);
    assert.deepEqual(
      again.suite.cases.map(({ location: _l, ...c }) => c),
      suite.cases.map(({ location: _l, ...c }) => c),
    );
    assert.equal(again.suite.version, suite.version);
  });

  test('derives a lowercase agent name hint from the subject API name', () => {
    assert.equal(agentNameHint('Customer_Service_Agent'), 'customer_service_agent');
    assert.equal(agentNameHint('1st Line Help Desk!'), 'st-line-help-desk');
    assert.equal(agentNameHint('___'), '');
  });
});
