import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaseResult } from '../../../src/eval/run/aggregate.ts';
import type { RunRow } from '../../../src/eval/run/store.ts';
import { summarize } from '../../../src/eval/run/summary.ts';
import { renderJunit } from '../../../src/eval/report/junit.ts';

const run: RunRow = {
  id: 'run_1', projectId: 'default', suiteName: 'suite <one>', suiteFile: 's.yaml', suiteVersion: 'v1', agentName: 'a', agentVersion: '1',
  models: {}, status: 'completed', repeats: 1, caseCount: 2, config: {}, startedAt: new Date('2026-11-24T10:00:00Z'), finishedAt: null, summary: null,
};
const results: CaseResult[] = [
  { caseId: 'ok', repeat: 1, passed: true, rootCause: null, scores: [], latencyMs: 1500, costUsd: 0, tokens: 0, expectedTopic: undefined, topic: null, traceIds: ['trc_1'], tags: [] },
  {
    caseId: 'bad & "quoted"', repeat: 1, passed: false, rootCause: { stage: 'route', reason: 'topic_match: expected <billing>' },
    scores: [{ evaluator: 'topic_match', score: 0, passed: false, threshold: 1, reason: 'expected <billing>, got shipping\u0001' }],
    latencyMs: 20, costUsd: 0, tokens: 0, expectedTopic: 'billing', topic: 'shipping', traceIds: [], tags: [],
  },
];

test('JUnit XML has a testcase per case with the root cause, escapes markup and control characters, and fails the gate testcase', () => {
  const summary = summarize(results, [{ metric: 'case_pass', aggregate: 'mean', op: '>=', threshold: 0.9 }], 1);
  const xml = renderJunit(run, summary, results);
  assert.match(xml, /<testsuite name="suite &lt;one&gt;" tests="3" failures="2"/);
  assert.match(xml, /<testcase classname="suite &lt;one&gt;" name="ok" time="1.500">/);
  assert.match(xml, /name="bad &amp; &quot;quoted&quot;"/);
  assert.match(xml, /<failure message="\[route\] topic_match: expected &lt;billing&gt;">topic_match: expected &lt;billing&gt;, got shipping<\/failure>/);
  assert.match(xml, /name="gate" time="0">\n      <failure message="gate failed">case_pass mean &gt;= 0.9: 0.5 over 2 case\(s\) — not met<\/failure>/);
  assert.doesNotMatch(xml, /\u0001/);
});
