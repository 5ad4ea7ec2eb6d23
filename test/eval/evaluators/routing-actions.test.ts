import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actionArguments } from '../../../src/eval/evaluators/action-arguments.ts';
import { actionSequence, alignActions } from '../../../src/eval/evaluators/action-sequence.ts';
import { topicMatch } from '../../../src/eval/evaluators/topic-match.ts';
import { caseOutput, failedOutput, run, suiteCase } from './cases.ts';

const call = (name: string, args: Record<string, unknown> = {}, ok = true) => ({ name, args, ok });

describe('topic_match', () => {
  test('passes when the message was routed to the expected topic', async () => {
    const s = await run(topicMatch, suiteCase({ expectedTopic: 'orders' }), caseOutput({ topic: 'orders' }));
    assert.deepEqual([s.score, s.passed, s.threshold], [1, true, 1]);
    assert.match(s.reason, /routed "orders", as expected/);
  });

  test('fails naming both topics when routed elsewhere', async () => {
    const s = await run(topicMatch, suiteCase({ expectedTopic: 'orders' }), caseOutput({ topic: 'billing' }));
    assert.deepEqual([s.score, s.passed], [0, false]);
    assert.match(s.reason, /routed "billing", expected "orders"/);
  });

  test('an expected topic of null passes only when the message was refused as off-topic', async () => {
    const c = suiteCase({ expectedTopic: null });
    assert.equal((await run(topicMatch, c, caseOutput({ topic: null, reply: 'I can only help with orders.' }))).passed, true);
    const routed = await run(topicMatch, c, caseOutput({ topic: 'orders' }));
    assert.equal(routed.passed, false);
    assert.match(routed.reason, /expected off-topic/);
  });

  test('a case that failed before routing is no evidence of an off-topic refusal', async () => {
    const s = await run(topicMatch, suiteCase({ expectedTopic: null }), failedOutput('session could not be created'));
    assert.equal(s.passed, false);
    assert.match(s.reason, /failed before a topic was observed: session could not be created/);
  });

  test('applies only to cases with an expected topic, and accepts a lower threshold', async () => {
    assert.equal(topicMatch.appliesTo(suiteCase(), {}), false);
    assert.equal(topicMatch.appliesTo(suiteCase({ expectedTopic: null }), {}), true);
    const s = await run(topicMatch, suiteCase(), caseOutput(), { threshold: 0.5 });
    assert.deepEqual([s.passed, s.score, s.threshold], [null, null, 0.5]);
  });

  test('rejects a threshold outside 0..1, naming the case and the field', async () => {
    await assert.rejects(async () => run(topicMatch, suiteCase({ expectedTopic: 'x' }), caseOutput(), { threshold: 3 }), /suites\/support\.yaml:12.*evaluators\.topic_match\.threshold must be a number from 0 to 1/);
  });
});

describe('action_sequence', () => {
  const expected = suiteCase({ expectedActions: [{ name: 'lookup_order' }, { name: 'issue_refund' }] });

  test('passes when the expected actions were called in order, other calls allowed around them', async () => {
    const s = await run(actionSequence, expected, caseOutput({ actions: [call('greet'), call('lookup_order'), call('check_stock'), call('issue_refund')] }));
    assert.deepEqual([s.score, s.passed], [1, true]);
    assert.match(s.reason, /2\/2 expected actions called in order; other calls \(allowed\): "greet", "check_stock"/);
  });

  test('scores the fraction matched in order and names what is missing', async () => {
    const s = await run(actionSequence, expected, caseOutput({ actions: [call('issue_refund'), call('lookup_order')] }));
    assert.deepEqual([s.score, s.passed], [0.5, false]);
    assert.match(s.reason, /1\/2 expected actions called in order; missing or out of order: "(issue_refund|lookup_order)"/);
  });

  test('strict mode counts extra calls against the score', async () => {
    const s = await run(actionSequence, expected, caseOutput({ actions: [call('lookup_order'), call('lookup_order'), call('issue_refund')] }), { options: { strict: true } });
    assert.equal(s.score, 0.6667);
    assert.equal(s.passed, false);
    assert.match(s.reason, /unexpected: "lookup_order"/);
  });

  test('an empty expectation passes only when nothing was called, even without strict', async () => {
    const none = suiteCase({ expectedActions: [] });
    assert.equal((await run(actionSequence, none, caseOutput())).passed, true);
    const s = await run(actionSequence, none, caseOutput({ actions: [call('issue_refund', {}, false)] }));
    assert.equal(s.passed, false);
    assert.match(s.reason, /expected no action; called: issue_refund \(failed\)/);
  });

  test('a failed case with no calls matches nothing', async () => {
    const s = await run(actionSequence, expected, failedOutput());
    assert.deepEqual([s.score, s.passed], [0, false]);
    assert.match(s.reason, /called: none/);
  });

  test('rejects a strict option that is not a boolean', async () => {
    await assert.rejects(async () => run(actionSequence, expected, caseOutput(), { options: { strict: 'yes' } }), /options\.strict must be true or false/);
  });

  test('aligns the longest ordered match rather than the first greedy one', () => {
    assert.deepEqual(alignActions(['a', 'b', 'c'], ['c', 'a', 'b', 'c']), [[0, 1], [1, 2], [2, 3]]);
    assert.deepEqual(alignActions([], ['a']), []);
  });
});

describe('action_arguments', () => {
  const c = suiteCase({ expectedActions: [{ name: 'lookup_order', args: { order_id: 'A1001' } }, { name: 'issue_refund', args: { amount: 20, items: ['shoe'] } }] });

  test('passes when the matching calls carry the expected arguments, other keys free', async () => {
    const out = caseOutput({ actions: [call('lookup_order', { order_id: 'A1001', verbose: true }), call('issue_refund', { amount: 20, items: ['shoe'], note: 'x' })] });
    const s = await run(actionArguments, c, out);
    assert.deepEqual([s.score, s.passed], [1, true]);
  });

  test('a later call with the right arguments matches after a wrong one', async () => {
    const out = caseOutput({ actions: [call('lookup_order', { order_id: 'A1002' }), call('lookup_order', { order_id: 'A1001' }), call('issue_refund', { amount: 20, items: ['shoe'] })] });
    assert.equal((await run(actionArguments, c, out)).score, 1);
  });

  test('compares values strictly and deeply, naming the wrong keys', async () => {
    const out = caseOutput({ actions: [call('lookup_order', { order_id: 'A1001' }), call('issue_refund', { amount: '20', items: ['shoe', 'sock'] })] });
    const s = await run(actionArguments, c, out);
    assert.deepEqual([s.score, s.passed], [0.5, false]);
    assert.match(s.reason, /issue_refund: amount = "20", expected 20, items = \["shoe","sock"\], expected \["shoe"\]/);
  });

  test('reports an expected action that was never called', async () => {
    const s = await run(actionArguments, c, caseOutput({ actions: [call('lookup_order', { order_id: 'A1001' })] }));
    assert.match(s.reason, /issue_refund: not called after the previous match/);
    assert.equal(s.score, 0.5);
  });

  test('applies only when some expected action gives arguments', () => {
    assert.equal(actionArguments.appliesTo(suiteCase({ expectedActions: [{ name: 'x' }] }), {}), false);
    assert.equal(actionArguments.appliesTo(c, {}), true);
  });
});
