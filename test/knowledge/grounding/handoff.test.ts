import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { assembleContext, contextPassages, formatContext, passageHeading, type ContextChunk } from '../../../src/knowledge/grounding/handoff.ts';
import { countTokens } from '../../../src/models/tokens.ts';

function chunk(id: number, text: string, extra: Partial<ContextChunk> = {}): ContextChunk {
  return { id, text, score: 1 / id, title: `Doc ${id}`, sectionPath: [], ...extra };
}

const returns = chunk(1, 'You can return most items within 30 days of delivery for a full refund. Items must be unused.', {
  title: 'Returns policy',
  sectionPath: ['Returns policy', 'Time limits'],
  documentPath: 'policies/returns.md',
  link: 'https://acme.test/returns',
});
const shipping = chunk(2, 'Standard shipping takes 3 to 5 business days. Express shipping arrives in 1 to 2 business days.', { title: 'Shipping FAQ' });
const giftCards = chunk(3, 'Gift cards cannot be returned.', { title: 'Returns policy', sectionPath: ['Exceptions'] });
const long = chunk(4, 'Our warranty covers manufacturing defects for two years from the date of purchase. '.repeat(30), { title: 'Warranty' });

describe('assembleContext', () => {
  test('includes chunks in rank order, numbered from 1, within the budget', () => {
    const ctx = assembleContext([returns, shipping, giftCards], { budgetTokens: 1_000, topK: 5 });
    assert.deepEqual(ctx.included.map((c) => [c.id, c.n, c.rank]), [[1, 1, 1], [2, 2, 2], [3, 3, 3]]);
    assert.deepEqual(ctx.dropped, []);
    assert.equal(ctx.budgetTokens, 1_000);
    assert.equal(ctx.tokens, ctx.included.reduce((s, c) => s + c.tokens, 0) + 2 * countTokens('\n\n'));
  });

  test('counts close to the tokens of the rendered context', () => {
    const chunks = [returns, shipping, giftCards];
    const ctx = assembleContext(chunks, { budgetTokens: 1_000, topK: 5 });
    const rendered = countTokens(formatContext(contextPassages(ctx, chunks)));
    assert.ok(Math.abs(ctx.tokens - rendered) <= 3, `estimated ${ctx.tokens}, rendered ${rendered}`);
  });

  test('trusts token counts the store already has', () => {
    const ctx = assembleContext([{ ...shipping, tokens: 500 }], { budgetTokens: 1_000, topK: 5 });
    assert.equal(ctx.included[0].tokens, 500 + countTokens('[1] Shipping FAQ\n'));
  });

  test('skips a chunk over the remaining budget but lets a smaller later one in', () => {
    const ctx = assembleContext([returns, long, giftCards], { budgetTokens: 60, topK: 5 });
    assert.deepEqual(ctx.included.map((c) => c.id), [1, 3]);
    assert.deepEqual(ctx.included.map((c) => c.n), [1, 2]);
    assert.deepEqual(ctx.dropped, [{ id: 4, rank: 2, reason: 'over_budget' }]);
    assert.ok(ctx.tokens <= 60);
  });

  test('drops everything when the budget is smaller than any chunk', () => {
    const ctx = assembleContext([returns, shipping, giftCards], { budgetTokens: 5, topK: 5 });
    assert.deepEqual(ctx.included, []);
    assert.deepEqual(ctx.dropped.map((d) => d.reason), ['over_budget', 'over_budget', 'over_budget']);
    assert.equal(ctx.tokens, 0);
    assert.equal(formatContext(contextPassages(ctx, [returns, shipping, giftCards])), '');
  });

  test('drops the same text from another document as a duplicate of the one included', () => {
    const copy = chunk(7, returns.text, { title: 'Returns (old copy)' });
    const ctx = assembleContext([returns, copy, shipping], { budgetTokens: 1_000, topK: 5 });
    assert.deepEqual(ctx.included.map((c) => c.id), [1, 2]);
    assert.deepEqual(ctx.dropped, [{ id: 7, rank: 2, reason: 'duplicate', duplicateOf: 1 }]);
  });

  test('drops a chunk that chunk overlap has made almost entirely a repeat', () => {
    const base = 'Refunds are issued to the original payment method within five business days after we receive the return at our warehouse';
    const first = chunk(1, `${base}. Exchanges ship as soon as the return arrives.`);
    const tail = chunk(2, `${base}. Confirmed by email.`);
    const ctx = assembleContext([first, tail], { budgetTokens: 1_000, topK: 5 });
    assert.deepEqual(ctx.dropped, [{ id: 2, rank: 2, reason: 'duplicate', duplicateOf: 1 }]);
  });

  test('keeps neighbouring chunks that share only their overlap', () => {
    const a = chunk(1, 'Returns are accepted within 30 days of delivery. Items must be unused and in their original packaging with all tags attached.');
    const b = chunk(2, 'Items must be unused and in their original packaging with all tags attached. Refunds reach your card within five business days. Store credit is issued instantly.');
    const ctx = assembleContext([a, b], { budgetTokens: 1_000, topK: 5 });
    assert.equal(ctx.included.length, 2);
  });

  test('stops at topK, and duplicates and over-budget chunks do not take a slot', () => {
    const copy = chunk(8, giftCards.text);
    const ctx = assembleContext([giftCards, copy, long, returns, shipping], { budgetTokens: 200, topK: 2 });
    assert.deepEqual(ctx.included.map((c) => c.id), [3, 1]);
    assert.deepEqual(ctx.dropped, [
      { id: 8, rank: 2, reason: 'duplicate', duplicateOf: 3 },
      { id: 4, rank: 3, reason: 'over_budget' },
      { id: 2, rank: 5, reason: 'beyond_top_k' },
    ]);
  });

  test('returns an empty context for no chunks', () => {
    assert.deepEqual(assembleContext([], { budgetTokens: 100, topK: 3 }), { included: [], dropped: [], tokens: 0, budgetTokens: 100 });
  });

  test('rejects a negative budget and a topK below 1, naming the fields', () => {
    assert.throws(
      () => assembleContext([returns], { budgetTokens: -1, topK: 0 }),
      (err: unknown) => err instanceof InputError && err.issues.map((i) => i.path).join() === 'budgetTokens,topK',
    );
  });

  test('produces a JSON-serialisable result', () => {
    const ctx = assembleContext([returns, returns, long], { budgetTokens: 50, topK: 1 });
    assert.deepEqual(JSON.parse(JSON.stringify(ctx)), ctx);
  });
});

describe('formatContext', () => {
  test('renders numbered blocks with the title and section path', () => {
    const chunks = [returns, giftCards];
    const ctx = assembleContext(chunks, { budgetTokens: 1_000, topK: 5 });
    assert.equal(
      formatContext(contextPassages(ctx, chunks)),
      `[1] Returns policy › Time limits\n${returns.text}\n\n[2] Returns policy › Exceptions\n${giftCards.text}`,
    );
  });

  test('shows a bare number for a chunk without title or section', () => {
    assert.equal(formatContext([{ n: 1, id: 'x', text: 'Plain.', title: '', sectionPath: [] }]), '[1]\nPlain.');
  });

  test('passes document path and link on to the passages', () => {
    const ctx = assembleContext([returns], { budgetTokens: 1_000, topK: 5 });
    const [p] = contextPassages(ctx, [returns]);
    assert.equal(p.documentPath, 'policies/returns.md');
    assert.equal(p.link, 'https://acme.test/returns');
  });
});

describe('passageHeading', () => {
  test('shows a first section equal to the title once', () => {
    assert.equal(passageHeading('Returns policy', ['returns policy', 'Time limits']), 'Returns policy › Time limits');
  });
});
