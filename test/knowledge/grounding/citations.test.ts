import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Voice } from '../../../src/agent/schema.ts';
import { InputError } from '../../../src/core/errors.ts';
import { checkCitations, citedSources, type CitablePassage } from '../../../src/knowledge/grounding/citations.ts';
import { assembleContext, contextPassages, type ContextChunk } from '../../../src/knowledge/grounding/handoff.ts';
import { answerFromContext } from '../../../src/models/local/answerer.ts';
import { orderStatus, returnsPolicy, shippingFaq } from '../../fixtures/passages.ts';

const passages = new Map<number, CitablePassage>([
  [1, returnsPolicy],
  [2, shippingFaq],
]);

describe('checkCitations on the local answerer’s answers', () => {
  const voices: Voice[] = [
    { tone: 'friendly', avoid: [] },
    { tone: 'formal', avoid: [], greeting: 'Welcome to Acme outdoor gear.', signoff: 'Is there anything else I can do for you?' },
    { tone: 'concise', avoid: [] },
  ];
  const questions = [
    'How long do I have to return an item?',
    'How do I start a return?',
    'How much is express shipping?',
    'Can I return gift cards?',
    'Where is my order A1234?',
    'When will I get my refund?',
  ];

  for (const voice of voices) {
    test(`finds every citation of a ${voice.tone} answer supported`, () => {
      for (const question of questions) {
        const answer = answerFromContext({ question, passages: [returnsPolicy, shippingFaq, orderStatus], voice, firstTurn: true });
        assert.equal(answer.abstained, false, question);
        const byNumber = new Map(answer.citations.map((c) => [c.n, [returnsPolicy, shippingFaq, orderStatus].find((p) => p.id === c.passageId)!]));
        const check = checkCitations(answer.text, byNumber, { boilerplate: [voice.greeting ?? '', voice.signoff ?? ''] });
        assert.ok(check.made > 0, answer.text);
        assert.equal(check.supported, check.made, `${answer.text}\n${JSON.stringify(check.sentences, null, 1)}`);
        assert.deepEqual(check.unsupported, [], answer.text);
        assert.deepEqual(check.invalid, []);
        assert.deepEqual(check.citedPassages, [...byNumber.keys()]);
      }
    });
  }

  test('treats the answerer’s abstention as no claim', () => {
    const answer = answerFromContext({ question: 'Do you sell bicycles?', passages: [shippingFaq], voice: { tone: 'friendly', avoid: [] } });
    assert.equal(answer.abstained, true);
    const check = checkCitations(answer.text, new Map([[1, shippingFaq]]));
    assert.equal(check.made, 0);
    assert.deepEqual(check.unsupported, []);
    assert.ok(check.sentences.every((s) => s.supported === null));
  });
});

describe('checkCitations on fabricated answers', () => {
  test('finds a sentence citing an unrelated passage unsupported', () => {
    const check = checkCitations('Our stores are open on Sundays from 10am to 6pm [2].', passages);
    assert.equal(check.made, 1);
    assert.equal(check.supported, 0);
    assert.deepEqual(check.unsupported, ['Our stores are open on Sundays from 10am to 6pm.']);
    assert.ok(check.sentences[0].support < 0.2);
  });

  test('finds a quoted sentence with a changed number unsupported', () => {
    const check = checkCitations('You can return most items within 60 days of delivery for a full refund [1].', passages);
    assert.equal(check.sentences[0].supported, false);
    assert.deepEqual(check.sentences[0].missingNumbers, ['60']);
    // The words all match; only the number gives it away.
    assert.ok(check.sentences[0].support > 0.6);
    assert.equal(check.supported, 0);
  });

  test('reports a citation number with no passage as invalid', () => {
    const check = checkCitations('You can return most items within 30 days of delivery [7].', passages);
    assert.deepEqual(check.invalid, [7]);
    assert.deepEqual(check.citedPassages, []);
    assert.equal(check.sentences[0].supported, false);
    assert.equal(check.sentences[0].bestCitation, null);
  });

  test('supports a sentence when one of several cited passages covers it, counting each citation', () => {
    const check = checkCitations('Express shipping arrives in 1 to 2 business days [1, 2]. Gift cards cannot be returned [1][2].', passages);
    assert.equal(check.made, 4);
    assert.equal(check.supported, 2);
    assert.deepEqual(check.sentences.map((s) => [s.supported, s.bestCitation]), [[true, 2], [true, 1]]);
    assert.deepEqual(check.citedPassages, [1, 2]);
  });

  test('reads citation ranges', () => {
    const check = checkCitations('Standard shipping takes 3 to 5 business days [1-2].', passages);
    assert.deepEqual(check.sentences[0].citations, [1, 2]);
  });

  test('counts uncited claims as unsupported and skips greetings, questions and sign-offs', () => {
    const check = checkCitations('Hi there! Returns are free for members. Do you have an order number? Hope this helps!', passages);
    assert.equal(check.made, 0);
    assert.deepEqual(check.unsupported, ['Returns are free for members.']);
    assert.deepEqual(check.sentences.map((s) => s.supported), [null, false, null, null]);
  });

  test('treats a whole answer without markers as uncited claims', () => {
    const check = checkCitations('You can return most items within 30 days of delivery. Standard shipping takes 3 to 5 business days.', passages);
    assert.equal(check.made, 0);
    assert.equal(check.unsupported.length, 2);
  });

  test('gives an uncited claim the marker that closes its run, and checks it against that passage', () => {
    const check = checkCitations('Items must be unused. Our tents are made in Norway. Gift cards cannot be returned [1].', passages);
    assert.deepEqual(check.sentences.map((s) => [s.inherited, s.supported]), [[true, true], [true, false], [false, true]]);
    assert.deepEqual(check.unsupported, ['Our tents are made in Norway.']);
    assert.equal(check.made, 1);
  });

  test('does not carry a marker across paragraphs', () => {
    const check = checkCitations('Items must be unused.\n\nGift cards cannot be returned [1].', passages);
    assert.deepEqual(check.sentences.map((s) => s.supported), [false, true]);
  });

  test('attaches markers written after the full stop to the sentence before', () => {
    const check = checkCitations('Gift cards cannot be returned.[1] We ship to the US and Canada only. [2]', passages);
    assert.deepEqual(check.sentences.map((s) => [s.text, s.citations]), [
      ['Gift cards cannot be returned.', [1]],
      ['We ship to the US and Canada only.', [2]],
    ]);
    assert.equal(check.supported, 2);
  });

  test('checks list items one by one', () => {
    const check = checkCitations('- Items must be unused [1]\n- Express shipping costs $9.99 [2]\n- Express shipping costs $19.99 [2]', passages);
    assert.deepEqual(check.sentences.map((s) => s.supported), [true, true, false]);
  });

  test('marks every citation invalid when there are no passages', () => {
    const check = checkCitations('Gift cards cannot be returned [1].', new Map());
    assert.deepEqual(check.invalid, [1]);
    assert.equal(check.supported, 0);
    assert.equal(check.unsupported.length, 1);
  });

  test('returns nothing for an empty answer', () => {
    assert.deepEqual(checkCitations('', passages), { sentences: [], made: 0, supported: 0, unsupported: [], invalid: [], citedPassages: [] });
  });

  test('lets a stricter threshold reject a loose paraphrase the default accepts', () => {
    const answer = 'Returns are accepted within 30 days of delivery [1].';
    assert.equal(checkCitations(answer, passages).sentences[0].supported, true);
    assert.equal(checkCitations(answer, passages, { threshold: 0.95 }).sentences[0].supported, false);
    assert.throws(() => checkCitations(answer, passages, { threshold: 0 }), InputError);
  });

  test('treats the agent’s own sign-off as no claim when told it', () => {
    const answer = 'Gift cards cannot be returned [1]. Happy trails from the Acme crew!';
    assert.deepEqual(checkCitations(answer, passages).unsupported, ['Happy trails from the Acme crew!']);
    assert.deepEqual(checkCitations(answer, passages, { boilerplate: ['Happy trails from the Acme crew!'] }).unsupported, []);
  });

  test('produces a JSON-serialisable result', () => {
    const check = checkCitations('Gift cards cannot be returned [1]. Returns are free [9].', passages);
    assert.deepEqual(JSON.parse(JSON.stringify(check)), check);
  });
});

describe('citedSources', () => {
  test('lists document, section and link of each cited passage in citation order', () => {
    const chunks: ContextChunk[] = [
      { id: 11, text: returnsPolicy.text, score: 1, title: 'Returns policy', sectionPath: ['Time limits'], documentPath: 'policies/returns.md', link: 'https://acme.test/returns' },
      { id: 12, text: shippingFaq.text, score: 0.5, title: 'Shipping FAQ', sectionPath: [], documentPath: 'faq/shipping.md', link: null },
    ];
    const context = contextPassages(assembleContext(chunks, { budgetTokens: 2_000, topK: 5 }), chunks);
    const check = checkCitations('We ship to the US and Canada only [2]. Gift cards cannot be returned [1].', new Map(context.map((p) => [p.n, p])));
    assert.deepEqual(citedSources(check.citedPassages, context), [
      { n: 2, id: 12, title: 'Shipping FAQ', section: '', documentPath: 'faq/shipping.md', link: null },
      { n: 1, id: 11, title: 'Returns policy', section: 'Time limits', documentPath: 'policies/returns.md', link: 'https://acme.test/returns' },
    ]);
  });
});
