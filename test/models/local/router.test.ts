import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleDataset, INTENTS } from '../../../bench/router/dataset.ts';
import { InputError } from '../../../src/core/errors.ts';
import type { LabeledText } from '../../../src/models/local/contracts.ts';
import { TopicRouter, trainTopicRouter, type SerializedRouter } from '../../../src/models/local/router/router.ts';

const SUPPORT: LabeledText[] = [
  ...['where is my order', 'has my package shipped', 'when will my parcel arrive', 'track my delivery', 'my order is late', 'is my shipment on its way', 'order still not delivered', 'delivery status of my purchase'].map((text) => ({ text, label: 'order_status' })),
  ...['I want to return these shoes', 'how do I send an item back', 'can I get a refund for my jacket', 'return policy for damaged goods', 'I would like my money back', 'start a return', 'refund my purchase please', 'the item does not fit, can I return it'].map((text) => ({ text, label: 'returns' })),
  ...['I forgot my password', 'I cannot log in', 'reset my password please', 'my account is locked', 'change the email on my account', 'sign in does not work', 'update my login details', 'unlock my account'].map((text) => ({ text, label: 'account' })),
];

const TOPICS = [
  { name: 'order_status', description: 'Where an order is, its shipping and delivery date.', examples: ['where is my order', 'has my package shipped yet', 'when will my order arrive', 'track my parcel', 'my delivery is late'] },
  { name: 'returns', description: 'Returning an item and getting a refund.', examples: ['I want to return these shoes', 'how do I send this back', 'can I get a refund', 'what is your return policy', 'the item is damaged and I want my money back'] },
  { name: 'account', description: 'Login problems, password resets and changing account details.', examples: ['I forgot my password', 'I cannot log in', 'change my email address', 'my account is locked', 'how do I update my phone number'] },
];

describe('TopicRouter', () => {
  it('routes paraphrases it never saw to the right label', () => {
    const router = TopicRouter.train(SUPPORT);
    assert.equal(router.predict('where is my parcel, it has not arrived').label, 'order_status');
    assert.equal(router.predict('please refund the shoes I sent back').label, 'returns');
    assert.equal(router.predict("I can't log into my account").label, 'account');
  });

  it('ranks every label best first with probabilities that sum to one', () => {
    const router = TopicRouter.train(SUPPORT);
    const p = router.predict('refund please');
    assert.deepEqual(new Set(p.ranking.map((r) => r.label)), new Set(['order_status', 'returns', 'account']));
    for (let i = 1; i < p.ranking.length; i++) assert.ok(p.ranking[i - 1].probability >= p.ranking[i].probability);
    assert.equal(p.label, p.ranking[0].label);
    assert.equal(p.confidence, p.ranking[0].probability);
    assert.ok(Math.abs(p.ranking.reduce((s, r) => s + r.probability, 0) - 1) < 1e-9);
  });

  it('gives the same model for the same data and seed', () => {
    const a = TopicRouter.train(SUPPORT);
    const b = TopicRouter.train(SUPPORT);
    const { trained: _a, ...ja } = a.toJSON();
    const { trained: _b, ...jb } = b.toJSON();
    assert.deepEqual(ja, jb);
  });

  it('predicts the same after a round trip through JSON', () => {
    const router = TopicRouter.train(SUPPORT);
    const copy = TopicRouter.fromJSON(JSON.parse(JSON.stringify(router)) as SerializedRouter);
    assert.deepEqual(copy.labels, router.labels);
    for (const text of ['track my delivery', 'return policy', 'password reset', 'something else entirely']) {
      assert.deepEqual(copy.predict(text), router.predict(text));
    }
  });

  it('calibrates confidence so that on unseen utterances it is close to the accuracy', () => {
    const { train, test } = assembleDataset({ trainPerIntent: 20, testPerIntent: 10 });
    const intents = new Set(INTENTS.slice(0, 30).map((i) => i.name));
    const keep = (rows: LabeledText[]) => rows.filter((r) => intents.has(r.label));
    const gap = (router: TopicRouter) => {
      const rows = keep(test);
      let correct = 0;
      let confidence = 0;
      for (const row of rows) {
        const p = router.predict(row.text);
        if (p.label === row.label) correct++;
        confidence += p.confidence;
      }
      return Math.abs(confidence / rows.length - correct / rows.length);
    };
    const calibrated = TopicRouter.train(keep(train), { calibrate: true });
    const raw = TopicRouter.train(keep(train), { calibrate: false });
    assert.equal(raw.temperature, 1);
    assert.notEqual(calibrated.temperature, 1);
    assert.ok(gap(calibrated) < 0.1, `calibrated gap ${gap(calibrated)}`);
    assert.ok(gap(calibrated) < gap(raw), `calibrated gap ${gap(calibrated)} vs raw ${gap(raw)}`);
  });

  it('calibrates confidence by default and learns the same labels with either learner', () => {
    const svm = TopicRouter.train(SUPPORT);
    const logistic = TopicRouter.train(SUPPORT, { learner: 'logistic' });
    assert.notEqual(svm.temperature, 1);
    for (const [text, label] of [['my package is late', 'order_status'], ['send the shoes back for a refund', 'returns'], ['reset my login', 'account']]) {
      assert.equal(svm.predict(text).label, label);
      assert.equal(logistic.predict(text).label, label);
    }
  });

  it('always returns the only label when trained on one', () => {
    const router = TopicRouter.train([{ text: 'where is my order', label: 'order_status' }]);
    assert.deepEqual(router.predict('anything at all'), { label: 'order_status', confidence: 1, ranking: [{ label: 'order_status', probability: 1 }] });
  });

  it('refuses to train without examples', () => {
    assert.throws(() => TopicRouter.train([]), InputError);
  });

  it('rejects a model file that is not a router or is corrupt', () => {
    assert.throws(() => TopicRouter.fromJSON({ format: 'something-else' } as unknown as SerializedRouter), InputError);
    const json = TopicRouter.train(SUPPORT).toJSON();
    assert.throws(() => TopicRouter.fromJSON({ ...json, bias: [0] }), /corrupt/);
  });
});

describe('trainTopicRouter', () => {
  const router = trainTopicRouter(TOPICS);

  it('routes an order question to order_status with high confidence', () => {
    const p = router.predict('the parcel has not arrived');
    assert.equal(p.label, 'order_status');
    assert.ok(p.confidence > 0.5, `confidence ${p.confidence}`);
  });

  it('gives small talk and trivia a confidence below the default 0.3 threshold', () => {
    for (const text of ['tell me a joke', 'what is the capital of france', 'who will win the game tonight', 'write a poem about cats']) {
      const p = router.predict(text);
      assert.ok(p.confidence < 0.3, `"${text}" -> ${p.label} ${p.confidence}`);
    }
  });

  it('leaves the off-topic share out of the ranking, so label probabilities sum below one', () => {
    const p = router.predict('tell me a joke');
    assert.deepEqual(new Set(p.ranking.map((r) => r.label)), new Set(TOPICS.map((t) => t.name)));
    assert.ok(p.ranking.reduce((s, r) => s + r.probability, 0) < 0.5);
  });

  it('keeps a built-in off-topic subject when a topic covers it', () => {
    const weather = trainTopicRouter([
      ...TOPICS,
      { name: 'weather', description: 'Weather forecasts for the delivery day.', examples: ['what is the weather like today', 'will it rain tomorrow', 'forecast for the weekend'] },
    ]);
    const p = weather.predict('what is the weather like today');
    assert.equal(p.label, 'weather');
    assert.ok(p.confidence > 0.5, `confidence ${p.confidence}`);
  });

  it('trains an agent with a single topic and still detects off-topic text', () => {
    const single = trainTopicRouter([TOPICS[0]]);
    assert.equal(single.predict('where is my package').label, 'order_status');
    assert.ok(single.predict('where is my package').confidence > single.predict('tell me a joke').confidence);
  });

  it('trains from descriptions alone when a topic has no examples', () => {
    const r = trainTopicRouter(TOPICS.map((t) => ({ ...t, examples: [] })));
    assert.equal(r.predict('I need a refund for an item').label, 'returns');
  });
});
