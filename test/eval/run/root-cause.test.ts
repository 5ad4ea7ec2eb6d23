import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaseOutput, SuiteCase } from '../../../src/eval/contracts.ts';
import { rootCause } from '../../../src/eval/run/root-cause.ts';

const c: SuiteCase = { id: 'c1', utterance: 'x', tags: [], location: { file: 's.yaml', line: 1 } };
const out = (over: Partial<CaseOutput> = {}): CaseOutput => ({
  status: 'completed', reply: 'ok', topic: 't', actions: [], sources: [], context: [], retrieved: [], latencyMs: 1,
  inputTokens: 0, outputTokens: 0, costUsd: 0, traceIds: [], stages: null, error: null, ...over,
});
const fail = (evaluator: string) => ({ evaluator, score: 0, passed: false, threshold: 1, reason: `${evaluator} failed` });

test('a case whose evaluators all pass has no root cause', () => {
  assert.equal(rootCause(c, out(), [{ evaluator: 'contains', score: 1, passed: true, threshold: 1, reason: '' }]), null);
});

test('the earliest failing stage in pipeline order is the root cause', () => {
  const cause = rootCause(c, out(), [fail('contains'), fail('citations_supported'), fail('topic_match')]);
  assert.deepEqual(cause, { stage: 'route', reason: 'topic_match: topic_match failed' });
  assert.equal(rootCause(c, out(), [fail('faithfulness')])?.stage, 'cite');
  assert.equal(rootCause(c, out(), [fail('action_arguments'), fail('rouge_l')])?.stage, 'act');
});

test('retrieval that missed an expected source is blamed before the answer', () => {
  const stages = { chunks: { expected: { recall: 0.5, precision: 1, hits: ['a.md'], missing: ['b.md'] } } } as unknown as CaseOutput['stages'];
  const cause = rootCause({ ...c, expectedSources: ['a.md', 'b.md'] }, out({ stages }), [fail('contains')]);
  assert.deepEqual(cause, { stage: 'retrieve', reason: 'expected sources not retrieved: b.md' });
});

test('an evaluator error counts as a failure, and a case that could not run is blamed on act', () => {
  assert.equal(rootCause(c, out(), [{ evaluator: 'correctness', score: null, passed: null, threshold: 0.7, reason: '', error: 'malformed judge verdict' }])?.stage, 'respond');
  assert.deepEqual(rootCause(c, out({ status: 'error', error: 'agent not found' }), []), { stage: 'act', reason: 'agent not found' });
  assert.equal(rootCause(c, out({ actions: [{ name: 'lookup', args: {}, ok: false }] }), [fail('contains')])?.stage, 'act');
  // a case may expect the action to fail ("no such order"): with every evaluator passing, it passed
  assert.equal(rootCause(c, out({ status: 'failed', actions: [{ name: 'lookup', args: {}, ok: false }] }), []), null);
});

test('a guard that blocked the turn is blamed before every later stage, but a block the case expects is no failure', () => {
  const blocked = out({ reply: null, blocked: { stage: 'input', reason: 'prompt injection detected' } });
  assert.deepEqual(rootCause(c, blocked, [fail('topic_match'), fail('contains')]), { stage: 'guard', reason: 'the input guard blocked the turn: prompt injection detected' });
  assert.equal(rootCause(c, blocked, [{ evaluator: 'abstention', score: 1, passed: true, threshold: 1, reason: 'the input guard blocked the turn, as expected' }]), null);
});
