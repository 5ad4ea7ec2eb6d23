/**
 * Training data for the router of an agent version, built from its topics. An agent usually has only a handful of
 * example utterances per topic, so the training set is widened: the topic's description sentences
 * and its name count as examples, and every example of three or more words also trains with one
 * word left out (the model then cannot lean on a single word, and a paraphrase missing that word
 * still routes). Generic off-topic utterances that resemble no topic form a hidden class.
 */
import { InputError } from '../../../core/errors.ts';
import type { LabeledText } from '../contracts.ts';
import { FeatureSpace, DEFAULT_FEATURES } from './features.ts';
import { sentences, tokenize } from './text.ts';

export interface RouterTopic {
  name: string;
  description: string;
  examples: string[];
}

// An off-topic utterance this close (cosine of TF-IDF vectors) to a topic's training text is
// treated as part of the agent's job and not used.
const OFF_TOPIC_MAX_SIMILARITY = 0.4;

/** The training rows for a set of topics: examples, description sentences, name, and drop-one-word variants. */
export function topicExamples(topics: RouterTopic[]): LabeledText[] {
  const rows: LabeledText[] = [];
  topics.forEach((topic, t) => {
    const seeds = [...topic.examples, ...sentences(topic.description), topic.name.replace(/[_\-.]+/g, ' ')];
    const texts = seeds.filter((s) => tokenize(s).length > 0);
    if (!texts.length) {
      throw new InputError(`topic "${topic.name}" has nothing to learn from`, [{ path: `topics[${t}]`, message: 'add a description or examples' }]);
    }
    for (const text of texts) {
      rows.push({ text, label: topic.name });
      const words = text.split(/\s+/).filter(Boolean);
      if (words.length < 3) continue;
      // Leave out a different word for each example; which one is fixed by the text, so training is repeatable.
      const drop = hash(text) % words.length;
      rows.push({ text: words.filter((_, i) => i !== drop).join(' '), label: topic.name });
    }
  });
  return rows;
}

/** The candidates that resemble none of the topics' training rows. */
export function unlikeTopics(candidates: readonly string[], examples: LabeledText[]): string[] {
  if (!candidates.length) return [];
  const { space } = FeatureSpace.fit([...examples.map((e) => e.text), ...candidates], DEFAULT_FEATURES);
  const topicVectors = examples.map((e) => space.transform(e.text)).map((v) => new Map(Array.from(v.indices, (i, j) => [i, v.values[j]])));
  // Each block is normalised to its weight, so the full vector's squared norm is the sum of squared weights.
  const norm2 = DEFAULT_FEATURES.wordWeight ** 2 + DEFAULT_FEATURES.charWeight ** 2;
  return candidates.filter((text) => {
    const v = space.transform(text);
    return topicVectors.every((t) => {
      let dot = 0;
      for (let j = 0; j < v.indices.length; j++) dot += v.values[j] * (t.get(v.indices[j]) ?? 0);
      return dot / norm2 < OFF_TOPIC_MAX_SIMILARITY;
    });
  });
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
