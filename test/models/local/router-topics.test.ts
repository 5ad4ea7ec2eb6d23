import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { OFF_TOPIC_UTTERANCES } from '../../../src/models/local/router/off-topic.ts';
import { topicExamples, unlikeTopics } from '../../../src/models/local/router/topics.ts';

describe('topicExamples', () => {
  const rows = topicExamples([
    { name: 'order_status', description: 'Where an order is. When it will be delivered.', examples: ['where is my order', 'track it'] },
  ]);
  const texts = rows.map((r) => r.text);

  it('trains on examples, description sentences and the topic name', () => {
    assert.ok(rows.every((r) => r.label === 'order_status'));
    for (const text of ['where is my order', 'track it', 'Where an order is.', 'When it will be delivered.', 'order status']) assert.ok(texts.includes(text), text);
  });

  it('adds a copy with one word left out of every text of three or more words', () => {
    const variants = texts.filter((t) => !['where is my order', 'track it', 'Where an order is.', 'When it will be delivered.', 'order status'].includes(t));
    assert.equal(variants.length, 3);
    const words = (t: string) => t.split(' ');
    assert.ok(variants.some((v) => words(v).length === 3 && words(v).every((w) => 'where is my order'.split(' ').includes(w))));
  });

  it('is the same every time', () => {
    assert.deepEqual(topicExamples([{ name: 'a', description: 'Some words here.', examples: ['one two three four'] }]), topicExamples([{ name: 'a', description: 'Some words here.', examples: ['one two three four'] }]));
  });

  it('names a topic that has nothing to learn from', () => {
    assert.throws(
      () => topicExamples([{ name: '___', description: '...', examples: [] }]),
      (err: unknown) => err instanceof InputError && err.issues[0].path === 'topics[0]',
    );
  });
});

describe('unlikeTopics', () => {
  it('drops off-topic utterances that resemble a topic and keeps the rest', () => {
    const kept = unlikeTopics(OFF_TOPIC_UTTERANCES, [
      { text: 'what is the weather like today', label: 'weather' },
      { text: 'will it rain tomorrow', label: 'weather' },
    ]);
    assert.ok(!kept.includes('what is the weather like today'));
    assert.ok(!kept.includes('will it rain tomorrow'));
    assert.ok(kept.includes('tell me a joke'));
    assert.ok(kept.length > OFF_TOPIC_UTTERANCES.length - 10);
  });
});
