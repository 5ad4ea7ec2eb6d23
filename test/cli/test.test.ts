import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.ts';

const exampleSuite = join(repoRoot, 'examples/acme-support/tests/regression.yaml');
const agentFile = join(repoRoot, 'examples/acme-support/agent.yaml');

describe('agentproof test', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'agentproof-test-cmd-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  test('runs the example suite, prints the summary and exits 0 when the gate passes, with JSON, JUnit and HTML on request', async () => {
    const junit = join(dir, 'junit.xml');
    const html = join(dir, 'report.html');
    const r = await runCli(['test', exampleSuite, '--data', join(dir, 'store'), '--json', '--junit', junit, '--html', html, '--concurrency', '8']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { run: { id: string; suiteName: string; status: string }; summary: { cases: number; gate: { passed: boolean }; metrics: { metric: string }[]; rootCauses: unknown[] } };
    assert.equal(out.run.suiteName, 'acme-support-regression');
    assert.equal(out.run.status, 'completed');
    assert.equal(out.summary.cases, 64);
    assert.equal(out.summary.gate.passed, true);
    assert.ok(out.summary.metrics.some((m) => m.metric === 'topic_match'));
    const xml = await readFile(junit, 'utf8');
    assert.match(xml, /<testsuite name="acme-support-regression" tests="65"/);
    assert.match(xml, /<testcase classname="acme-support-regression" name="status-shipped"/);
    const page = await readFile(html, 'utf8');
    assert.match(page, /<svg/);
    assert.match(page, /Test report: acme-support-regression/);
    // The example's failed cases link to their traces, drawn in the page with every step.
    const anchors = new Set([...page.matchAll(/ id="(trace-[^"]+)"/g)].map((m) => m[1]));
    const links = new Set([...page.matchAll(/href="#(trace-[^"]+)"/g)].map((m) => m[1]));
    assert.ok(anchors.size > 0, 'the report holds the failed cases\' traces');
    assert.deepEqual([...links].sort(), [...anchors].sort());
    assert.match(page, /<td>route<\/td><td>ok<\/td>/);
  });

  test('compares a run with the last run of the same suite: paired deltas, no regressed cases for the same agent', async () => {
    const [first, second] = [
      await runCli(['test', exampleSuite, '--data', join(dir, 'baseline-store'), '--json', '--concurrency', '8']),
      await runCli(['test', exampleSuite, '--data', join(dir, 'baseline-store'), '--json', '--concurrency', '8']),
    ];
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout) as { run: { id: string }; comparison: unknown };
    const b = JSON.parse(second.stdout) as { run: { id: string }; comparison: { baselineRunId: string; regressed: string[]; fixed: string[]; passRate: { delta: number; significant: boolean } } };
    assert.equal(a.comparison, null, 'the first run of a suite has nothing to compare with');
    assert.equal(b.comparison.baselineRunId, a.run.id);
    assert.deepEqual([b.comparison.regressed, b.comparison.fixed], [[], []]);
    assert.deepEqual([b.comparison.passRate.delta, b.comparison.passRate.significant], [0, false]);
    const text = await runCli(['test', exampleSuite, '--data', join(dir, 'baseline-store'), '--baseline', a.run.id, '--provider-limit', 'openai=2']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`compared with run ${a.run.id}`));
    const bad = await runCli(['test', exampleSuite, '--data', join(dir, 'baseline-store'), '--provider-limit', 'openai=zero']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--provider-limit: "openai=zero"/);
  });

  test('exits 1 and names the unmet criterion when the gate fails', async () => {
    const suite = join(dir, 'strict.yaml');
    await writeFile(suite, [
      'name: strict',
      `agent: ${agentFile}`,
      'gate:',
      '  - { metric: topic_match, aggregate: mean, op: ">=", threshold: 1, minCases: 2 }',
      'cases:',
      '  - { utterance: "Where is my order A10244?", expectedTopic: order_status }',
      '  - { utterance: "Where is my order A10244?", expectedTopic: billing }',
    ].join('\n'));
    const r = await runCli(['test', suite, '--data', join(dir, 'store')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /gate FAILED/);
    assert.match(r.stdout, /FAIL  topic_match mean >= 1: 0\.5 over 2 case\(s\) — not met/);
    assert.match(r.stdout, /case-2  \[route\] topic_match: routed "order_status", expected "billing"/);
  });

  test('exits 2 naming the file and line of a malformed suite, and for bad options', async () => {
    const suite = join(dir, 'bad.yaml');
    await writeFile(suite, 'name: bad\ncases:\n  - { expectedTopic: billing }\n');
    const r = await runCli(['test', suite, '--agent', agentFile, '--data', join(dir, 'store')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:3/);
    const options = await runCli(['test', exampleSuite, '--concurrency', '0', '--data', join(dir, 'store')]);
    assert.equal(options.code, 2);
    assert.match(options.stderr, /--concurrency must be a whole number ≥ 1, got "0"/);
    const noAgent = join(dir, 'no-agent.yaml');
    await writeFile(noAgent, 'name: x\ncases:\n  - { utterance: hi }\n');
    const missing = await runCli(['test', noAgent, '--data', join(dir, 'store')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no agent to test: give --agent/);
  });
});
