import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { abstention } from '../../../src/eval/evaluators/abstention.ts';
import { contains } from '../../../src/eval/evaluators/contains.ts';
import { jsonSchema } from '../../../src/eval/evaluators/json-schema.ts';
import { notContains } from '../../../src/eval/evaluators/not-contains.ts';
import { regex } from '../../../src/eval/evaluators/regex.ts';
import { caseOutput, failedOutput, run, suiteCase } from './cases.ts';

describe('contains', () => {
  const c = suiteCase({ mustInclude: ['A1001', 'free returns'] });

  test('passes when every phrase appears, ignoring case and line wrapping', async () => {
    const s = await run(contains, c, caseOutput({ reply: 'Order a1001 qualifies for FREE\n  returns.' }));
    assert.deepEqual([s.score, s.passed], [1, true]);
  });

  test('scores the share found and lists what is missing', async () => {
    const s = await run(contains, c, caseOutput({ reply: 'Order A1001 has shipped.' }));
    assert.deepEqual([s.score, s.passed], [0.5, false]);
    assert.match(s.reason, /missing 1\/2: "free returns"/);
  });

  test('is case-sensitive when asked', async () => {
    const s = await run(contains, c, caseOutput({ reply: 'Order a1001, free returns.' }), { options: { caseSensitive: true } });
    assert.equal(s.score, 0.5);
  });

  test('matches Unicode phrases whatever their normalisation form', async () => {
    const decomposed = 'Cafe\u0301 Müller';
    const s = await run(contains, suiteCase({ mustInclude: ['CAFÉ MÜLLER'] }), caseOutput({ reply: `Visit ${decomposed} today.` }));
    assert.equal(s.passed, true);
  });

  test('fails with the case error when there is no reply', async () => {
    const s = await run(contains, c, failedOutput('model call failed'));
    assert.deepEqual([s.score, s.passed], [0, false]);
    assert.match(s.reason, /no reply \(case error: model call failed\)/);
  });

  test('does not apply without mustInclude; an empty reply fails', async () => {
    assert.equal(contains.appliesTo(suiteCase(), {}), false);
    assert.equal((await run(contains, suiteCase(), caseOutput())).passed, null);
    assert.equal((await run(contains, c, caseOutput({ reply: '' }))).score, 0);
  });
});

describe('not_contains', () => {
  const c = suiteCase({ mustNotInclude: ['guarantee', 'lawyer'] });

  test('passes when no forbidden phrase appears', async () => {
    assert.equal((await run(notContains, c, caseOutput({ reply: 'Your refund is on its way.' }))).passed, true);
  });

  test('fails naming the forbidden phrase found, whatever its case', async () => {
    const s = await run(notContains, c, caseOutput({ reply: 'We GUARANTEE delivery tomorrow.' }));
    assert.deepEqual([s.score, s.passed], [0.5, false]);
    assert.match(s.reason, /includes forbidden "guarantee"/);
  });

  test('a missing reply says nothing forbidden', async () => {
    const s = await run(notContains, c, failedOutput());
    assert.equal(s.passed, true);
    assert.match(s.reason, /no reply/);
  });
});

describe('regex', () => {
  const c = suiteCase();

  test('passes when the reply matches the pattern and shows the match', async () => {
    const s = await run(regex, c, caseOutput({ reply: 'Your return label: RMA-2231.' }), { options: { pattern: 'RMA-\\d{4}' } });
    assert.equal(s.passed, true);
    assert.match(s.reason, /matches \/RMA-\\d\{4\}\/ at "RMA-2231"/);
  });

  test('fails when it does not match, honouring flags', async () => {
    const setting = { options: { pattern: '^order', flags: 'i' } };
    assert.equal((await run(regex, c, caseOutput({ reply: 'ORDER shipped' }), setting)).passed, true);
    assert.equal((await run(regex, c, caseOutput({ reply: 'Your order shipped' }), setting)).passed, false);
  });

  test('with match: false, the reply must not match', async () => {
    const setting = { options: { pattern: '\\bsorry\\b', flags: 'i', match: false } };
    assert.equal((await run(regex, c, caseOutput({ reply: 'Sorry, no.' }), setting)).passed, false);
    assert.equal((await run(regex, c, caseOutput({ reply: 'Done.' }), setting)).passed, true);
  });

  test('matches Unicode text with the u flag', async () => {
    const s = await run(regex, c, caseOutput({ reply: 'Lieferung nach Köln 🚚' }), { options: { pattern: '\\p{Emoji_Presentation}', flags: 'u' } });
    assert.equal(s.passed, true);
  });

  test('a global flag does not make repeated evaluations alternate', async () => {
    const setting = { options: { pattern: 'ok', flags: 'g' } };
    for (let i = 0; i < 3; i++) assert.equal((await run(regex, c, caseOutput({ reply: 'ok' }), setting)).passed, true);
  });

  test('applies only with a pattern; an invalid one is an error naming the option', async () => {
    assert.equal(regex.appliesTo(c, {}), false);
    assert.equal(regex.appliesTo(c, { options: { pattern: 'x' } }), true);
    await assert.rejects(async () => run(regex, c, caseOutput({ reply: 'x' }), { options: { pattern: '(' } }), /evaluators\.regex\.options\.pattern is not a valid regular expression/);
    await assert.rejects(async () => run(regex, c, caseOutput({ reply: 'x' }), { enabled: true }), /options\.pattern is required/);
  });

  test('no reply fails a required match', async () => {
    assert.equal((await run(regex, c, failedOutput(), { options: { pattern: '.' } })).passed, false);
  });
});

describe('json_schema', () => {
  const schema = { type: 'object', required: ['order', 'status'], properties: { order: { type: 'string', pattern: '^A\\d+$' }, status: { enum: ['shipped', 'pending'] }, email: { type: 'string', format: 'email' } } };
  const c = suiteCase();

  test('passes for a JSON reply valid against the schema, fenced or not', async () => {
    assert.equal((await run(jsonSchema, c, caseOutput({ reply: '{"order":"A1001","status":"shipped"}' }), { options: { schema } })).passed, true);
    assert.equal((await run(jsonSchema, c, caseOutput({ reply: '```json\n{"order":"A1","status":"pending"}\n```' }), { options: { schema } })).passed, true);
  });

  test('fails listing each violation with its path, formats included', async () => {
    const s = await run(jsonSchema, c, caseOutput({ reply: '{"order":"B7","status":"lost","email":"nope"}' }), { options: { schema } });
    assert.equal(s.passed, false);
    assert.match(s.reason, /\/order must match pattern/);
    assert.match(s.reason, /\/status must be equal to one of the allowed values/);
    assert.match(s.reason, /\/email must match format "email"/);
  });

  test('fails a reply that is not JSON, or no reply', async () => {
    const s = await run(jsonSchema, c, caseOutput({ reply: 'Your order shipped.' }), { options: { schema } });
    assert.equal(s.passed, false);
    assert.match(s.reason, /not JSON/);
    assert.equal((await run(jsonSchema, c, caseOutput({ reply: '' }), { options: { schema } })).passed, false);
    assert.equal((await run(jsonSchema, c, failedOutput(), { options: { schema } })).passed, false);
  });

  test('an invalid schema is an error naming the option, not a failed case', async () => {
    await assert.rejects(async () => run(jsonSchema, c, caseOutput({ reply: '{}' }), { options: { schema: { type: 'bogus' } } }), /options\.schema is not a valid JSON Schema/);
  });

  test('schemas with the same $id compile side by side', async () => {
    const a = { $id: 'https://x/reply', type: 'object', required: ['a'] };
    const b = { $id: 'https://x/reply', type: 'object', required: ['b'] };
    assert.equal((await run(jsonSchema, c, caseOutput({ reply: '{"a":1}' }), { options: { schema: a } })).passed, true);
    assert.equal((await run(jsonSchema, c, caseOutput({ reply: '{"a":1}' }), { options: { schema: b } })).passed, false);
  });
});

describe('abstention', () => {
  const shouldAbstain = { options: { expected: true } };
  const shouldAnswer = { options: { expected: false } };
  const c = suiteCase();

  test('sees an abstention in the reply, in the usual forms', async () => {
    for (const reply of ["I don't have information about that in the knowledge base.", 'The documentation does not mention warranty terms.', "I'm sorry, but I can't help with that."]) {
      const s = await run(abstention, c, caseOutput({ topic: 'faq', reply }), shouldAbstain);
      assert.equal(s.passed, true, reply);
    }
  });

  test('an off-topic refusal counts as abstaining', async () => {
    const s = await run(abstention, c, caseOutput({ topic: null, reply: 'I can help with orders and returns.' }), shouldAbstain);
    assert.equal(s.passed, true);
    assert.match(s.reason, /routed off-topic, as expected/);
  });

  test('a turn a guard blocked counts as abstaining, with or without a reply', async () => {
    const blocked = { stage: 'input' as const, reason: 'prompt injection detected' };
    for (const reply of [null, 'Blocked by policy.']) {
      const s = await run(abstention, c, caseOutput({ topic: 'faq', reply, blocked }), shouldAbstain);
      assert.equal(s.passed, true);
      assert.match(s.reason, /the input guard blocked the turn, as expected/);
    }
  });

  test('fails an answer where an abstention was expected, and the reverse', async () => {
    const answered = await run(abstention, c, caseOutput({ topic: 'faq', reply: 'Returns are free within 30 days [1].' }), shouldAbstain);
    assert.equal(answered.passed, false);
    assert.match(answered.reason, /the reply answers, but the agent should abstain/);
    const declined = await run(abstention, c, caseOutput({ topic: 'faq', reply: "I don't know." }), shouldAnswer);
    assert.equal(declined.passed, false);
  });

  test('no reply is neither an answer nor an abstention', async () => {
    for (const setting of [shouldAbstain, shouldAnswer]) assert.equal((await run(abstention, c, failedOutput(), setting)).passed, false);
  });

  test('runs only where expected is configured, and rejects a non-boolean', async () => {
    assert.equal(abstention.appliesTo(c, {}), false);
    await assert.rejects(async () => run(abstention, c, caseOutput({ reply: 'x' }), { options: { expected: 'yes' } }), /options\.expected must be true or false/);
  });
});
