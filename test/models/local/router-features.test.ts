import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_FEATURES, FeatureSpace } from '../../../src/models/local/router/features.ts';
import { evaluateRouter } from '../../../src/models/local/router/metrics.ts';
import { TopicRouter } from '../../../src/models/local/router/router.ts';
import { sentences, stem, tokenize } from '../../../src/models/local/router/text.ts';

describe('tokenize', () => {
  it('lower-cases, folds accents, joins contractions and collapses digits', () => {
    assert.deepEqual(tokenize("Café: I DON'T have 250 €, only $12.50!"), ['cafe', 'i', 'dont', 'have', '0', '€', 'only', '$', '0', '0']);
  });

  it('keeps digits when asked to', () => {
    assert.deepEqual(tokenize('flight BA117', { digits: false }), ['flight', 'ba117']);
  });
});

describe('stem', () => {
  it('brings inflections of a word together', () => {
    assert.deepEqual(['charge', 'charged', 'charges', 'charging'].map(stem), ['charg', 'charg', 'charg', 'charg']);
    assert.deepEqual(['transfer', 'transfers', 'transferred', 'transferring'].map(stem), ['transfer', 'transfer', 'transfer', 'transfer']);
    assert.deepEqual(['top', 'topped', 'topping'].map(stem), ['top', 'top', 'top']);
    assert.equal(stem('currencies'), stem('currency'));
  });

  it('leaves short words and words that only look inflected alone', () => {
    for (const word of ['is', 'was', 'its', 'this', 'bus', 'address', 'need', 'thing']) assert.equal(stem(word), word);
  });
});

describe('sentences', () => {
  it('splits a description and drops one-word fragments', () => {
    assert.deepEqual(sentences('Orders and delivery. Where a parcel is!\nTracking.'), ['Orders and delivery.', 'Where a parcel is!']);
  });
});

describe('FeatureSpace', () => {
  const { space, matrix } = FeatureSpace.fit(['where is my order', 'reset my password', 'where is my refund']);

  it('normalises the word block and the character block to unit length each', () => {
    const v = space.transform('where is my order');
    let sq = 0;
    for (const x of v.values) sq += x * x;
    assert.ok(Math.abs(sq - (DEFAULT_FEATURES.wordWeight ** 2 + DEFAULT_FEATURES.charWeight ** 2)) < 1e-5);
  });

  it('ignores n-grams that were not in the training texts', () => {
    assert.equal(space.transform('qqq zzz').indices.length, 0);
  });

  it('returns one matrix row per training text with the same values as transform', () => {
    assert.equal(matrix.rows, 3);
    const row = space.transform('reset my password');
    assert.deepEqual(Array.from(matrix.indices.slice(matrix.indptr[1], matrix.indptr[2])), Array.from(row.indices));
    assert.deepEqual(Array.from(matrix.values.slice(matrix.indptr[1], matrix.indptr[2])), Array.from(row.values));
  });

  it('weighs a rare word above a common one', () => {
    // "where" is in two of the three training texts, "password" in one.
    const wordFeature = (text: string) => Array.from(space.transform(text).indices).find((i) => (space.keys[i] & 1) === 0);
    const v = space.transform('where password');
    const value = (feature: number | undefined) => v.values[Array.from(v.indices).indexOf(feature as number)];
    assert.ok(value(wordFeature('password')) > value(wordFeature('where')));
  });

  it('survives a JSON round trip', () => {
    const copy = FeatureSpace.fromJSON(JSON.parse(JSON.stringify(space)));
    assert.deepEqual(copy.transform('where is my password'), space.transform('where is my password'));
  });

  it('counts ordered word pairs up to pairWindow positions apart', () => {
    const wordKeys = (pairWindow: number) => {
      const fitted = FeatureSpace.fit(['card has not arrived'], { ...DEFAULT_FEATURES, pairWindow }).space;
      return Array.from(fitted.keys).filter((key) => (key & 1) === 0).length;
    };
    // 4 words and 3 bigrams; then the pairs 2 apart (card-not, has-arrived) and 3 apart (card-arrived).
    assert.equal(wordKeys(0), 7);
    assert.equal(wordKeys(2), 9);
    assert.equal(wordKeys(5), 10);
  });

  it('matches inflected words through stemming but not when stemming is off', () => {
    const shared = (stemWords: boolean) => {
      const fitted = FeatureSpace.fit(['my transfer is declined'], { ...DEFAULT_FEATURES, stem: stemWords, charNgrams: [0, 0] }).space;
      return fitted.transform('transferred declined').indices.length;
    };
    assert.ok(shared(true) > shared(false), `${shared(true)} vs ${shared(false)}`);
  });

  it('loads a model saved before stemming and word pairs with both off, as it was trained', () => {
    const { space: legacy } = FeatureSpace.fit(['card has not arrived'], { ...DEFAULT_FEATURES, stem: false, pairWindow: 0 });
    const saved = JSON.parse(JSON.stringify(legacy));
    delete saved.config.stem;
    delete saved.config.pairWindow;
    const loaded = FeatureSpace.fromJSON(saved);
    assert.equal(loaded.config.stem, false);
    assert.equal(loaded.config.pairWindow, 0);
    assert.deepEqual(loaded.transform('cards have not arrived'), legacy.transform('cards have not arrived'));
  });
});

describe('evaluateRouter', () => {
  const router = TopicRouter.train([
    { text: 'where is my order', label: 'order' },
    { text: 'track my parcel', label: 'order' },
    { text: 'reset my password', label: 'account' },
    { text: 'I cannot log in', label: 'account' },
  ]);

  it('computes accuracy and macro-F1 and counts unknown labels as errors', () => {
    const r = evaluateRouter(router, [
      { text: 'where is my parcel', label: 'order' },
      { text: 'password reset', label: 'account' },
      { text: 'cancel my subscription', label: 'billing' },
    ]);
    assert.equal(r.examples, 3);
    assert.equal(r.classes, 3);
    assert.deepEqual(r.unknown_labels, ['billing']);
    assert.equal(r.accuracy, 2 / 3);
    // billing: F1 0; the label "cancel my subscription" went to: 1 right of 2 predicted, 1 gold -> 2/3; the other 1.
    const expected = (0 + 2 / 3 + 1) / 3;
    assert.ok(Math.abs(r.macro_f1 - expected) < 1e-12, `${r.macro_f1} vs ${expected}`);
    assert.ok(r.p50_ms <= r.p95_ms && r.p95_ms <= r.p99_ms);
  });
});
