import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { detectLanguage, normalizeQuery, processQuery } from '../../../src/knowledge/grounding/query.ts';
import { countTokens } from '../../../src/models/tokens.ts';

describe('normalizeQuery', () => {
  test('folds compatibility forms, collapses whitespace and trims', () => {
    assert.equal(normalizeQuery('  ｒｅｔｕｒｎｓ\u00A0for\ta\n\n tent  '), 'returns for a tent');
  });

  test('removes zero-width and bidi-control characters that would split words', () => {
    assert.equal(normalizeQuery('pass\u200Bword re\u00ADset \u202Eevil\u202C \uFEFFok'), 'password reset evil ok');
  });

  test('turns control characters into word breaks', () => {
    assert.equal(normalizeQuery('refund\u0000policy\u0007'), 'refund policy');
  });
});

describe('processQuery', () => {
  test('measures an ordinary question and detects English', () => {
    const q = processQuery('How long do I have to return a tent?');
    assert.equal(q.normalized, 'How long do I have to return a tent?');
    assert.equal(q.language, 'en');
    assert.equal(q.chars, 36);
    assert.equal(q.tokens, countTokens('How long do I have to return a tent?'));
    assert.deepEqual([q.empty, q.overLong, q.truncated], [false, false, false]);
  });

  test('flags an empty query and gives it no language', () => {
    for (const text of ['', '   \n\t ', '\u200B\u200B']) {
      const q = processQuery(text);
      assert.equal(q.normalized, '');
      assert.equal(q.empty, true, JSON.stringify(text));
      assert.equal(q.language, 'und');
      assert.equal(q.tokens, 0);
    }
  });

  test('counts an emoji-only query as empty but keeps it as written', () => {
    const q = processQuery('🎉🎉');
    assert.equal(q.normalized, '🎉🎉');
    assert.equal(q.empty, true);
    assert.equal(q.chars, 2);
  });

  test('detects right-to-left scripts', () => {
    assert.equal(processQuery('ما هي سياسة الإرجاع للخيام؟').language, 'ar');
    assert.equal(processQuery('שלום, מה מדיניות ההחזרות שלכם?').language, 'he');
  });

  test('answers und for text too short to tell', () => {
    assert.equal(processQuery('hi').language, 'und');
    assert.equal(processQuery('A1').language, 'und');
  });

  test('chooses only among the expected languages when given', () => {
    assert.equal(detectLanguage('reset my password', ['en', 'de']), 'en');
    assert.equal(detectLanguage('Wie lange dauert der Versand?', ['en', 'de']), 'de');
  });

  test('caps a 10k-character query at maxTokens and flags it', () => {
    const long = 'Where is my order? '.repeat(530).slice(0, 10_000);
    const q = processQuery(long);
    assert.equal(q.chars, [...normalizeQuery(long)].length);
    assert.ok(q.tokens > 512);
    assert.equal(q.overLong, true);
    assert.equal(q.truncated, true);
    assert.ok(countTokens(q.normalized) <= 512, `kept ${countTokens(q.normalized)} tokens`);
    assert.ok(countTokens(q.normalized) > 480, 'keeps close to the cap');
    // Cut between words, never inside one.
    assert.match(q.normalized, /(?:order\?|Where|is|my)$/);
    assert.equal(q.language, 'en');
  });

  test('cuts a query without spaces between characters, never inside an emoji', () => {
    const q = processQuery('👍🏽'.repeat(400), { maxTokens: 50 });
    assert.equal(q.truncated, true);
    assert.ok(countTokens(q.normalized) <= 50);
    assert.equal(q.normalized.length % '👍🏽'.length, 0);
    assert.ok(q.normalized.length > 0);
  });

  test('keeps a query within the limit untouched', () => {
    const q = processQuery('one two three', { maxTokens: 3 });
    assert.equal(q.normalized, 'one two three');
    assert.equal(q.overLong, false);
  });

  test('rejects a maxTokens that is not a positive integer', () => {
    assert.throws(() => processQuery('x', { maxTokens: 0 }), (err: unknown) => err instanceof InputError && err.issues[0].path === 'maxTokens');
  });

  test('produces a JSON-serialisable result', () => {
    const q = processQuery('returns for a tent');
    assert.deepEqual(JSON.parse(JSON.stringify(q)), q);
  });
});
