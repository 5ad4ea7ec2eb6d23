import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Voice } from '../../../src/agent/schema.ts';
import { abstentionText, applyTone, inVoice, removeAvoided } from '../../../src/models/local/voice.ts';

const voice = (v: Partial<Voice>): Voice => ({ tone: 'friendly', avoid: [], ...v });
const BODY = 'You can return unworn shoes within 30 days [1]. We will email you a prepaid label [1].';

describe('inVoice', () => {
  test('opens a friendly answer warmly and uses contractions', () => {
    assert.equal(
      inVoice(voice({ tone: 'friendly' }), BODY),
      "Sure — here's what I found. You can return unworn shoes within 30 days [1]. We'll email you a prepaid label [1].",
    );
  });

  test('opens a formal answer with "Certainly." and expands every contraction', () => {
    const text = inVoice(voice({ tone: 'formal' }), "It's shipped and you'll get it Friday; we can't change the carrier [1].");
    assert.equal(text, 'Certainly. It is shipped and you will get it Friday; we cannot change the carrier [1].');
    assert.doesNotMatch(text, /['’]/);
  });

  test('adds no opener in the concise tone', () => {
    assert.equal(inVoice(voice({ tone: 'concise' }), BODY), BODY);
  });

  test('greets only on the first turn of a session', () => {
    const v = voice({ greeting: 'Hi, this is Ava from Acme support!' });
    assert.match(inVoice(v, BODY, { firstTurn: true }), /^Hi, this is Ava from Acme support! You can return/);
    assert.doesNotMatch(inVoice(v, BODY, { firstTurn: false }), /Ava/);
  });

  test('introduces the persona on the first turn when there is no greeting', () => {
    assert.match(inVoice(voice({ tone: 'formal', persona: 'Ava from Acme support' }), BODY, { firstTurn: true }), /^Good day, I am Ava from Acme support\. You can/);
  });

  test('signs off answers that complete a request but not abstentions', () => {
    const v = voice({ signoff: 'Anything else I can help with?' });
    assert.match(inVoice(v, BODY), /Anything else I can help with\?$/);
    assert.doesNotMatch(inVoice(v, abstentionText(v), { abstained: true }), /Anything else/);
  });

  test('never uses an avoided phrase, whatever its case, and repairs the sentence it was cut from', () => {
    const v = voice({ avoid: ['unfortunately', 'Cheap'] });
    const text = inVoice(v, 'Unfortunately, we cannot ship to Mexico [1]. Our cheap option takes a week [2].');
    assert.equal(text, "Sure — here's what I found. We can't ship to Mexico [1]. Our option takes a week [2].");
  });

  test('switches to another opener when the usual one uses an avoided word', () => {
    const text = inVoice(voice({ avoid: ['sure'] }), BODY);
    assert.match(text, /^Happy to help\. You can return/);
  });
});

describe('abstentionText', () => {
  test('says politely that it has no information, in the tone', () => {
    assert.match(abstentionText(voice({ tone: 'friendly' })), /^Sorry — I don't have information about that\./);
    assert.match(abstentionText(voice({ tone: 'formal' })), /^I am sorry, but I do not have information about that\./);
    assert.equal(abstentionText(voice({ tone: 'concise' })), "I don't have information about that.");
  });

  test('picks a wording without an avoided word', () => {
    const text = abstentionText(voice({ tone: 'formal', avoid: ['SORRY'] }));
    assert.doesNotMatch(text, /sorry/i);
    assert.match(text, /do not have information about that/);
  });
});

describe('applyTone', () => {
  test('does not contract a pronoun and verb at the end of a clause', () => {
    assert.equal(applyTone('Tell us where you are. You are covered.', 'friendly'), "Tell us where you are. You're covered.");
  });

  test('leaves possessives alone when expanding', () => {
    assert.equal(applyTone("The customer's order isn't late.", 'formal'), "The customer's order is not late.");
  });
});

describe('removeAvoided', () => {
  test('removes whole words only', () => {
    assert.equal(removeAvoided('Our cheapest plan is not cheap.', ['cheap']), 'Our cheapest plan is not.');
  });

  test('drops a sentence left with no words', () => {
    assert.equal(removeAvoided('No problem! Your order shipped.', ['no problem']), 'Your order shipped.');
  });
});
