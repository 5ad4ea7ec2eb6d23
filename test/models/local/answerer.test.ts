import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Voice } from '../../../src/agent/schema.ts';
import { answerFromContext } from '../../../src/models/local/answerer.ts';
import type { Passage } from '../../../src/models/local/contracts.ts';
import { orderStatus, returnsPolicy, shippingFaq } from '../../fixtures/passages.ts';

const friendly: Voice = { tone: 'friendly', avoid: [] };

describe('answerFromContext', () => {
  test('answers an order-status question from the action result and cites it', () => {
    const answer = answerFromContext({ question: 'Where is my order A1234?', passages: [orderStatus, returnsPolicy], voice: friendly });
    assert.equal(answer.abstained, false);
    assert.equal(
      answer.text,
      "Sure — here's what I found. Order ID: A1234. Status: shipped. Carrier: UPS. Estimated delivery: 2025-03-07 [1].",
    );
    assert.deepEqual(
      answer.citations.map((c) => [c.n, c.passageId, c.quote]),
      [
        [1, 'action:order_status', 'Order ID: A1234.'],
        [1, 'action:order_status', 'Status: shipped.'],
        [1, 'action:order_status', 'Carrier: UPS.'],
        [1, 'action:order_status', 'Estimated delivery: 2025-03-07.'],
      ],
    );
  });

  test('answers a returns question with the policy sentences that address it, quoted from the passage', () => {
    const answer = answerFromContext({ question: 'How long do refunds take?', passages: [shippingFaq, returnsPolicy], voice: friendly });
    assert.equal(answer.abstained, false);
    assert.match(answer.text, /Refunds are issued to the original payment method within 5 business days after we receive the return \[1\]\./);
    assert.ok(answer.citations.length > 0);
    for (const c of answer.citations) {
      assert.equal(c.passageId, 'chk_returns_1');
      assert.equal(c.source, 'Returns policy');
      assert.ok(returnsPolicy.text.includes(c.quote.replace(/\.$/, '')), `quote not in passage: ${c.quote}`);
    }
    assert.doesNotMatch(answer.text, /shipping/i);
  });

  test('uses the section heading to answer a question about the policy as a whole', () => {
    const answer = answerFromContext({ question: 'What is your return policy?', passages: [returnsPolicy], voice: friendly });
    assert.equal(answer.abstained, false);
    assert.equal(answer.support.length, 3);
    assert.doesNotMatch(answer.text, /Returns policy/);
  });

  test('abstains politely, without citations, when nothing in the context supports an answer', () => {
    const answer = answerFromContext({ question: 'Can I pay with bitcoin?', passages: [returnsPolicy, shippingFaq], voice: friendly });
    assert.equal(answer.abstained, true);
    assert.deepEqual(answer.citations, []);
    assert.deepEqual(answer.support, []);
    assert.match(answer.text, /I don't have information about that/);
  });

  test('abstains when there is no context at all', () => {
    const answer = answerFromContext({ question: 'What is your return policy?', passages: [], voice: { tone: 'formal', avoid: [] } });
    assert.equal(answer.abstained, true);
    assert.match(answer.text, /I do not have information about that/);
  });

  test('numbers citations by first use, keeps passage order and closes each passage run with one marker', () => {
    const answer = answerFromContext({
      question: 'How much does express shipping cost, and can gift cards be returned?',
      passages: [shippingFaq, returnsPolicy],
      voice: { tone: 'concise', avoid: [] },
    });
    assert.equal(
      answer.text,
      'Express shipping arrives in 1 to 2 business days and costs $9.99 [1]. Final-sale items and gift cards cannot be returned [2].',
    );
    assert.deepEqual(
      answer.citations.map((c) => [c.n, c.source]),
      [
        [1, 'Shipping FAQ'],
        [2, 'Returns policy'],
      ],
    );
  });

  test('cites a sentence repeated in overlapping chunks only once', () => {
    const overlap: Passage = { id: 'chk_returns_2', source: 'Returns policy', text: 'Final-sale items and gift cards cannot be returned. Contact us for damaged items.' };
    const answer = answerFromContext({ question: 'Can gift cards be returned?', passages: [returnsPolicy, overlap], voice: { tone: 'concise', avoid: [] } });
    assert.equal(answer.text, 'Final-sale items and gift cards cannot be returned [1].');
    assert.equal(answer.citations.length, 1);
  });

  test('stops at maxSentences and abstains when the floor is raised above every sentence', () => {
    const question = 'What is your return policy?';
    assert.equal(answerFromContext({ question, passages: [returnsPolicy], voice: friendly, maxSentences: 1 }).support.length, 1);
    const strict = answerFromContext({ question: 'How long do refunds take?', passages: [returnsPolicy], voice: friendly, minScore: 0.99 });
    assert.equal(strict.abstained, true);
  });

  test('speaks in the configured voice: greeting on the first turn, formal wording, no avoided words', () => {
    const voice: Voice = { tone: 'formal', greeting: 'Good afternoon, this is Acme support.', signoff: 'Is there anything else?', avoid: ['prepaid'] };
    const answer = answerFromContext({ question: 'How do I start a return and get a label?', passages: [returnsPolicy], voice, firstTurn: true });
    assert.match(answer.text, /^Good afternoon, this is Acme support\. To start a return/);
    assert.match(answer.text, /We email you a UPS label \[1\]\. Is there anything else\?$/);
    assert.doesNotMatch(answer.text, /prepaid|'/i);
    // Citations quote the source as written, not the voiced answer.
    assert.ok(answer.citations.some((c) => c.quote === 'We email you a prepaid UPS label.'));
  });
});
