import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitSentences, stem, tokenize } from '../../../src/models/local/sentences.ts';

describe('splitSentences', () => {
  test('splits a returns policy paragraph into its sentences', () => {
    const text =
      'You can return most items within 30 days of delivery. Items must be unused! Do you need a label? We email one.';
    assert.deepEqual(splitSentences(text), [
      'You can return most items within 30 days of delivery.',
      'Items must be unused!',
      'Do you need a label?',
      'We email one.',
    ]);
  });

  test('keeps abbreviations and decimals inside their sentence', () => {
    const text = 'Mr. Smith ordered on Jan. 5 and paid $12.50 for express shipping. It left the warehouse today.';
    assert.deepEqual(splitSentences(text), [
      'Mr. Smith ordered on Jan. 5 and paid $12.50 for express shipping.',
      'It left the warehouse today.',
    ]);
  });

  test('joins hard-wrapped prose but keeps headings, list items and key/value lines apart', () => {
    const text = [
      '# Refunds',
      '',
      'Refunds are issued to the original payment method within five business days after',
      'we receive the returned item at our warehouse.',
      '',
      '- Gift cards cannot be refunded.',
      '- Final-sale items cannot be returned.',
      'Status: shipped',
      'Carrier: UPS',
    ].join('\n');
    assert.deepEqual(splitSentences(text), [
      'Refunds',
      'Refunds are issued to the original payment method within five business days after we receive the returned item at our warehouse.',
      'Gift cards cannot be refunded.',
      'Final-sale items cannot be returned.',
      'Status: shipped',
      'Carrier: UPS',
    ]);
  });

  test('returns nothing for blank text', () => {
    assert.deepEqual(splitSentences('  \n\n '), []);
  });
});

describe('stem', () => {
  test('brings plural and tense variants of a word to one stem', () => {
    for (const group of [
      ['return', 'returns', 'returned', 'returning'],
      ['ship', 'ships', 'shipped', 'shipping', 'shipment'],
      ['policy', 'policies'],
      ['refund', 'refunds', 'refunded'],
      ['charge', 'charges', 'charged'],
      ['cancel', 'cancelled', 'cancels'],
    ]) {
      assert.equal(new Set(group.map(stem)).size, 1, `${group.join('/')} -> ${group.map(stem).join('/')}`);
    }
  });

  test('leaves short words, numbers and words ending in -ss or -us alone', () => {
    assert.equal(stem('box'), 'box');
    assert.equal(stem('a1234'), 'a1234');
    assert.equal(stem('address'), 'address');
    assert.equal(stem('status'), 'status');
  });
});

describe('tokenize', () => {
  test('keeps the content words of a question, lower-cased and stemmed', () => {
    assert.deepEqual(tokenize("What's your return policy for shoes I've worn?"), ['return', 'policy', 'shoe', 'worn']);
  });

  test('keeps order numbers and amounts as tokens', () => {
    assert.deepEqual(tokenize('Where is order A1234 ($12.50)?'), ['order', 'a1234', '12', '50']);
  });
});
