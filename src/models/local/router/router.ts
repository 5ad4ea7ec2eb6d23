/**
 * The `local` topic router: TF-IDF word, word-pair and character n-grams (features.ts) into a linear
 * classifier. It trains in seconds on CPU, classifies in microseconds, and saves to plain JSON.
 *
 * Two learners share the features and the model format. One-vs-rest linear SVMs (svm.ts) are the
 * default: on intent data with tens to hundreds of examples per label they are the more accurate.
 * An agent's router (`trainTopicRouter`) uses multinomial logistic regression (softmax.ts) instead:
 * with a handful of examples per topic against hundreds of off-topic utterances, its probabilities
 * keep a paraphrase of a topic well above the fallback threshold, where the SVMs' margins leave many
 * such paraphrases closer to the off-topic class.
 *
 * Confidence is the softmax probability of the chosen label after temperature scaling, so a
 * confidence of 0.8 means that about 8 in 10 such predictions are right on data like the training
 * data. The temperature is fitted on held-out folds (see calibrate.ts): all three folds for up to
 * 3,000 examples, one fold above that, where a third of the data is plenty to fit one number.
 *
 * When the router is trained with off-topic examples they form a hidden class: its probability is
 * left out of `ranking`, so the labels' probabilities then sum to less than 1 and the remainder is
 * the probability that the utterance belongs to no label. The runtime compares `confidence` with
 * the agent's fallback threshold.
 */
import { InputError } from '../../../core/errors.ts';
import type { LabeledText, RouterPrediction } from '../contracts.ts';
import { calibrateTemperature } from './calibrate.ts';
import { DEFAULT_FEATURES, FeatureSpace, decodeBase64, encodeBase64, type CsrMatrix, type FeatureConfig, type SerializedFeatureSpace } from './features.ts';
import { OFF_TOPIC_UTTERANCES } from './off-topic.ts';
import { DEFAULT_SOFTMAX, scores, softmax, trainSoftmax, type LinearModel, type SoftmaxOptions } from './softmax.ts';
import { DEFAULT_SVM, trainSvm, type SvmOptions } from './svm.ts';
import { topicExamples, unlikeTopics, type RouterTopic } from './topics.ts';

export type { RouterTopic } from './topics.ts';

export interface RouterTrainOptions {
  features?: Partial<FeatureConfig>;
  /** Which linear classifier to fit (default "svm"; see the module comment). */
  learner?: 'svm' | 'logistic';
  svm?: Partial<SvmOptions>;
  softmax?: Partial<SoftmaxOptions>;
  /** Give every class the same total weight whatever its number of examples (default true). */
  balance?: boolean;
  /** Utterances that belong to no label; they train a hidden off-topic class. */
  offTopic?: string[];
  /**
   * Weight of the off-topic class relative to a label (default 0.5): below 1, an utterance that is
   * ambiguous between a label and small talk leans to the label.
   */
  offTopicWeight?: number;
  /**
   * Fit the softmax temperature on held-out folds so confidence is calibrated (default true). Costs
   * three extra trainings on two thirds of the data, or one above 3,000 examples.
   */
  calibrate?: boolean;
}

export interface SerializedRouter {
  format: 'agentproof.router';
  version: 1;
  labels: string[];
  /** True when the last class of the weights is the hidden off-topic class. */
  offTopic: boolean;
  temperature: number;
  features: SerializedFeatureSpace;
  /** Base64 of the Float32 weights, row-major by feature. */
  weights: string;
  bias: number[];
  trained: { examples: number; seconds: number };
}

const OFF_TOPIC = '\u0000off_topic';
// Above this many examples the temperature is fitted on one held-out fold instead of all three.
const CALIBRATE_ALL_FOLDS_UP_TO = 3000;

export class TopicRouter {
  /** The labels the router can return, in training order. */
  readonly labels: string[];
  readonly temperature: number;
  readonly trained: { examples: number; seconds: number };
  private readonly space: FeatureSpace;
  private readonly model: LinearModel;
  private readonly hasOffTopic: boolean;
  private readonly z: Float64Array;

  private constructor(init: {
    labels: string[];
    space: FeatureSpace;
    model: LinearModel;
    offTopic: boolean;
    temperature: number;
    trained: { examples: number; seconds: number };
  }) {
    this.labels = init.labels;
    this.space = init.space;
    this.model = init.model;
    this.hasOffTopic = init.offTopic;
    this.temperature = init.temperature;
    this.trained = init.trained;
    this.z = new Float64Array(init.model.classes);
  }

  static train(examples: LabeledText[], options: RouterTrainOptions = {}): TopicRouter {
    const started = performance.now();
    const labels = [...new Set(examples.map((e) => e.label))];
    if (!examples.length) throw new InputError('the router needs training examples', [{ path: 'examples', message: 'no examples' }]);
    // A single label with nothing to contrast it with is valid: it is always chosen, with confidence 1.
    const offTopic = options.offTopic?.filter((t) => t.trim()) ?? [];
    const data: LabeledText[] = offTopic.length ? [...examples, ...offTopic.map((text) => ({ text, label: OFF_TOPIC }))] : examples;
    const classes = offTopic.length ? [...labels, OFF_TOPIC] : labels;
    const features = { ...DEFAULT_FEATURES, ...options.features };
    const balance = options.balance ?? true;
    const classWeight = classes.map((c) => (c === OFF_TOPIC ? (options.offTopicWeight ?? 0.5) : 1));
    const svmOptions = { ...DEFAULT_SVM, ...options.svm };
    const softmaxOptions = { ...DEFAULT_SOFTMAX, ...options.softmax };
    const learn: Learner =
      (options.learner ?? 'svm') === 'svm'
        ? (x, y, k, weight) => trainSvm(x, y, k, svmOptions, weight)
        : (x, y, k, weight) => trainSoftmax(x, y, k, softmaxOptions, weight);
    const fit = (rows: LabeledText[]) => fitLinear(rows, classes, classWeight, features, learn, balance);

    const { space, model } = fit(data);
    const rounds = data.length <= CALIBRATE_ALL_FOLDS_UP_TO ? 3 : 1;
    const temperature = (options.calibrate ?? true) ? calibrateTemperature(data, classes, fit, { rounds }) : 1;
    return new TopicRouter({
      labels,
      space,
      model,
      offTopic: offTopic.length > 0,
      temperature,
      trained: { examples: examples.length, seconds: (performance.now() - started) / 1000 },
    });
  }

  static fromJSON(data: SerializedRouter): TopicRouter {
    if (data?.format !== 'agentproof.router' || data.version !== 1) {
      throw new InputError('not an agentproof router model', [{ path: 'format', message: `expected format "agentproof.router" version 1` }]);
    }
    const space = FeatureSpace.fromJSON(data.features);
    const classes = data.labels.length + (data.offTopic ? 1 : 0);
    const weights = new Float32Array(decodeBase64(data.weights));
    if (weights.length !== space.size * classes || data.bias.length !== classes) {
      throw new InputError('router model is corrupt: weights do not match its features and labels', [{ path: 'weights', message: 'size mismatch' }]);
    }
    return new TopicRouter({
      labels: data.labels,
      space,
      model: { classes, features: space.size, weights, bias: Float32Array.from(data.bias) },
      offTopic: data.offTopic,
      temperature: data.temperature,
      trained: data.trained,
    });
  }

  toJSON(): SerializedRouter {
    return {
      format: 'agentproof.router',
      version: 1,
      labels: this.labels,
      offTopic: this.hasOffTopic,
      temperature: this.temperature,
      features: this.space.toJSON(),
      weights: encodeBase64(this.model.weights),
      bias: Array.from(this.model.bias),
      trained: this.trained,
    };
  }

  predict(text: string): RouterPrediction {
    const x = this.space.transform(text);
    const z = this.z;
    scores(this.model, x.indices, x.values, z);
    softmax(z, this.temperature);
    const ranking = this.labels.map((label, i) => ({ label, probability: z[i] }));
    ranking.sort((a, b) => b.probability - a.probability);
    return { label: ranking[0].label, confidence: ranking[0].probability, ranking };
  }
}

export interface TopicRouterOptions extends RouterTrainOptions {
  /** Train the hidden off-topic class from the built-in generic utterances (default true). */
  offTopicClass?: boolean;
}

/**
 * Trains the router of an agent version from its topics: examples, description sentences and names
 * (see topics.ts), plus generic off-topic utterances that resemble none of them. The learner is
 * logistic regression unless the options say otherwise (see the module comment).
 */
export function trainTopicRouter(topics: RouterTopic[], options: TopicRouterOptions = {}): TopicRouter {
  const examples = topicExamples(topics);
  const candidates = options.offTopic ?? (options.offTopicClass === false ? [] : OFF_TOPIC_UTTERANCES);
  return TopicRouter.train(examples, { learner: 'logistic', ...options, offTopic: unlikeTopics(candidates, examples) });
}

type Learner = (x: CsrMatrix, y: Int32Array, classes: number, sampleWeight: Float32Array) => LinearModel;

function fitLinear(
  rows: LabeledText[],
  classes: string[],
  classWeight: number[],
  features: FeatureConfig,
  learn: Learner,
  balance: boolean,
): { space: FeatureSpace; model: LinearModel; predict: (text: string) => Float64Array } {
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from(rows, (r) => index.get(r.label) as number);
  const { space, matrix } = FeatureSpace.fit(
    rows.map((r) => r.text),
    features,
  );
  const counts = new Float64Array(classes.length);
  for (const c of y) counts[c]++;
  const present = counts.filter((n) => n > 0).length;
  const weight = Float32Array.from(y, (c) => classWeight[c] * (balance ? rows.length / (present * counts[c]) : 1));
  const model = learn(matrix, y, classes.length, weight);
  const predict = (text: string) => {
    const x = space.transform(text);
    const z = new Float64Array(classes.length);
    scores(model, x.indices, x.values, z);
    return z;
  };
  return { space, model, predict };
}
