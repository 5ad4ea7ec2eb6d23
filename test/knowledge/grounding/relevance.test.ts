import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Voice } from '../../../src/agent/schema.ts';
import { answerRelevance, chunkRelevance, isAbstention, retrievalAccuracy } from '../../../src/knowledge/grounding/relevance.ts';
import { answerFromContext } from '../../../src/models/local/answerer.ts';
import { abstentionText, inVoice } from '../../../src/models/local/voice.ts';

const chunks = [
  { id: 1, text: 'Tents can be returned within 30 days of delivery if unused.', title: 'Returns policy' },
  { id: 2, text: 'Standard shipping takes 3 to 5 business days.', title: 'Shipping FAQ' },
  { id: 3, text: 'Our sleeping bags are rated for temperatures down to -10 °C.', title: 'Sleeping bags', sectionPath: ['Products'] },
];

describe('chunkRelevance', () => {
  test('scores the chunk that answers the question highest, and an unrelated one 0', () => {
    const scores = chunkRelevance('How long do I have to return a tent?', chunks);
    assert.deepEqual(scores.map((s) => s.id), [1, 2, 3]);
    assert.equal(scores[0].relevance, 1);
    assert.equal(scores[2].relevance, 0);
  });

  test('matches stems and counts the title and section', () => {
    const [returns] = chunkRelevance('returning tents', chunks);
    assert.equal(returns.relevance, 1);
    const [, , bags] = chunkRelevance('products', chunks);
    assert.equal(bags.relevance, 1);
  });

  test('weighs a rare query term above a common one', () => {
    const docs = [
      { id: 'a', text: 'Return a kayak within 14 days.' },
      { id: 'b', text: 'Return shoes within 30 days.' },
      { id: 'c', text: 'Return policy for all items.' },
    ];
    const [kayak, shoes] = chunkRelevance('return kayak', docs);
    assert.equal(kayak.relevance, 1);
    assert.ok(shoes.relevance < 0.3, `shoes scored ${shoes.relevance}`);
  });

  test('scores every chunk 0 for a query without content words, and handles no chunks', () => {
    assert.deepEqual(chunkRelevance('what is it?', chunks).map((s) => s.relevance), [0, 0, 0]);
    assert.deepEqual(chunkRelevance('tent returns', []), []);
  });
});

describe('retrievalAccuracy', () => {
  test('matches an expected file name against the end of a document path, case-insensitively', () => {
    const acc = retrievalAccuracy(['knowledge/Returns-Policy.md', 'knowledge/shipping.md', 'knowledge/returns-policy.md'], ['returns-policy.md']);
    assert.deepEqual(acc, { recall: 1, precision: 0.5, hits: ['returns-policy.md'], missing: [] });
  });

  test('does not match part of a file name', () => {
    const acc = retrievalAccuracy(['knowledge/old-returns-policy.md'], ['returns-policy.md']);
    assert.deepEqual(acc.missing, ['returns-policy.md']);
    assert.equal(acc.recall, 0);
  });

  test('matches a source by its name', () => {
    const acc = retrievalAccuracy([{ path: 'faq.md', source: 'Help Center' }, { path: 'tents.md', source: 'catalog' }], ['help center', 'warranty.md']);
    assert.deepEqual(acc, { recall: 0.5, precision: 0.5, hits: ['help center'], missing: ['warranty.md'] });
  });

  test('reports zero precision when nothing was retrieved, and full recall when nothing was expected', () => {
    assert.deepEqual(retrievalAccuracy([], ['returns.md']), { recall: 0, precision: 0, hits: [], missing: ['returns.md'] });
    assert.equal(retrievalAccuracy(['a.md'], []).recall, 1);
  });

  test('accepts Windows separators and leading ./', () => {
    assert.equal(retrievalAccuracy(['.\\docs\\Returns.md'], ['docs/returns.md']).recall, 1);
  });
});

describe('isAbstention', () => {
  test('recognises the local answerer’s abstention in every tone', () => {
    for (const tone of ['friendly', 'formal', 'concise'] as const) {
      for (const avoid of [[], ['sorry'], ['sorry', 'unfortunately', 'rephrase']]) {
        const voice: Voice = { tone, avoid };
        const text = inVoice(voice, abstentionText(voice), { abstained: true, firstTurn: true });
        assert.equal(isAbstention(text), true, `${tone} ${avoid}: ${text}`);
      }
    }
    const answer = answerFromContext({ question: 'Do you sell bicycles?', passages: [], voice: { tone: 'concise', avoid: [] } });
    assert.equal(isAbstention(answer.text), true);
  });

  test('recognises the usual LLM forms', () => {
    for (const text of [
      "I don't know.",
      'The knowledge base does not say how long shipping to Mexico takes.',
      "The provided context doesn't mention bicycles.",
      "I couldn't find anything about that in our documentation.",
      'That is not covered in the documents I have.',
      'There is no information about gift wrapping.',
      'I am unable to answer that from the information I have.',
    ]) {
      assert.equal(isAbstention(text), true, text);
    }
  });

  test('does not take an answer for an abstention', () => {
    for (const text of [
      'You can return most items within 30 days [1].',
      "I don't know the exact date, but refunds are issued within 5 business days [1].",
      'We do not ship to Mexico [2].',
      'Gift cards do not expire.',
    ]) {
      assert.equal(isAbstention(text), false, text);
    }
  });
});

describe('answerRelevance', () => {
  test('scores an answer that speaks to the question higher than one that does not', () => {
    const q = 'How long do I have to return a tent?';
    assert.equal(answerRelevance(q, 'You can return a tent within 30 days [1].'), 1);
    assert.equal(answerRelevance(q, 'Standard shipping takes 3 to 5 business days [1].'), 0);
    assert.equal(answerRelevance(q, 'Returns are accepted within 30 days [1].'), 0.5);
  });

  test('scores an abstention or an empty answer 0', () => {
    assert.equal(answerRelevance('Do you sell tents?', "I don't have information about that."), 0);
    assert.equal(answerRelevance('Do you sell tents?', '   '), 0);
  });

  test('has no score for a question without content words', () => {
    assert.equal(answerRelevance('hi', 'Hello! How can I help?'), null);
  });
});
