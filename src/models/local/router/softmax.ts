/**
 * Multinomial logistic regression (softmax) over sparse rows, trained by stochastic gradient
 * descent with row-wise AdaGrad step sizes, L2 regularisation and iterate averaging.
 *
 * Why this optimiser: each example touches only its own few hundred features, so one update costs
 * features x classes, and a pass over 10,000 examples takes a fraction of a second. AdaGrad gives rare
 * n-grams (most of them) larger steps than common ones, and averaging the weights of the later epochs
 * removes most of the noise SGD leaves, giving close to the regularised optimum without a line search.
 */
import { rng } from '../../../core/random.ts';
import type { CsrMatrix } from './features.ts';

export interface SoftmaxOptions {
  epochs: number;
  learningRate: number;
  /** L2 strength, applied to a feature's weights each time an example uses the feature. */
  l2: number;
  /** Seed of the example order; the same data and seed give the same model. */
  seed: number;
  /** Fraction of epochs, from the end, whose weights are averaged into the result. */
  averageFrom: number;
}

export const DEFAULT_SOFTMAX: SoftmaxOptions = {
  epochs: 15,
  learningRate: 0.05,
  l2: 1e-5,
  seed: 1,
  averageFrom: 0.5,
};

export interface LinearModel {
  classes: number;
  features: number;
  /** Row-major by feature: the weights of feature f are [f*classes, (f+1)*classes). */
  weights: Float32Array;
  bias: Float32Array;
}

export function shuffle<T>(items: T[] | Int32Array, random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

/** Writes class scores for one sparse row into `out` (length = classes). */
export function scores(model: LinearModel, indices: Int32Array, values: Float32Array, out: Float64Array): void {
  const k = model.classes;
  const w = model.weights;
  for (let c = 0; c < k; c++) out[c] = model.bias[c];
  for (let j = 0; j < indices.length; j++) {
    const x = values[j];
    const base = indices[j] * k;
    for (let c = 0; c < k; c++) out[c] += x * w[base + c];
  }
}

/** Turns scores into probabilities in place, dividing by `temperature` first. */
export function softmax(z: Float64Array, temperature = 1): void {
  let max = -Infinity;
  for (let c = 0; c < z.length; c++) if (z[c] > max) max = z[c];
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    z[c] = Math.exp((z[c] - max) / temperature);
    sum += z[c];
  }
  for (let c = 0; c < z.length; c++) z[c] /= sum;
}

/**
 * Fits the model. `sampleWeight` scales each example's loss (used to balance classes).
 */
export function trainSoftmax(
  x: CsrMatrix,
  y: Int32Array,
  classes: number,
  options: SoftmaxOptions = DEFAULT_SOFTMAX,
  sampleWeight?: Float32Array,
): LinearModel {
  const k = classes;
  const f = x.cols;
  const w = new Float32Array(f * k);
  const b = new Float64Array(k);
  const rowSq = new Float32Array(f); // AdaGrad accumulators, one per feature row
  const biasSq = new Float64Array(k);
  const avgW = new Float32Array(f * k);
  const avgB = new Float64Array(k);
  let averaged = 0;
  const firstAveraged = Math.min(options.epochs - 1, Math.floor(options.epochs * (1 - options.averageFrom)));
  const order = Int32Array.from({ length: x.rows }, (_, i) => i);
  const random = rng(options.seed);
  const z = new Float64Array(k);
  const eps = 1e-8;
  const lr = options.learningRate;
  const l2 = options.l2;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    for (let o = 0; o < order.length; o++) {
      const r = order[o];
      const start = x.indptr[r];
      const end = x.indptr[r + 1];
      // Forward: scores and probabilities.
      for (let c = 0; c < k; c++) z[c] = b[c];
      for (let j = start; j < end; j++) {
        const v = x.values[j];
        const base = x.indices[j] * k;
        for (let c = 0; c < k; c++) z[c] += v * w[base + c];
      }
      softmax(z);
      // Gradient of the weighted cross-entropy w.r.t. the scores: p - onehot(y).
      const sw = sampleWeight ? sampleWeight[r] : 1;
      z[y[r]] -= 1;
      let gSq = 0;
      for (let c = 0; c < k; c++) {
        z[c] *= sw;
        gSq += z[c] * z[c];
      }
      for (let c = 0; c < k; c++) {
        biasSq[c] += z[c] * z[c];
        b[c] -= (lr * z[c]) / Math.sqrt(biasSq[c] + eps);
      }
      for (let j = start; j < end; j++) {
        const v = x.values[j];
        const feature = x.indices[j];
        const base = feature * k;
        let reg = 0;
        if (l2 > 0) for (let c = 0; c < k; c++) reg += w[base + c] * w[base + c];
        // Mean squared gradient over the row: (v*g + l2*w)^2 ~ v^2 g^2 + l2^2 w^2.
        rowSq[feature] += (v * v * gSq + l2 * l2 * reg) / k;
        const step = lr / Math.sqrt(rowSq[feature] + eps);
        for (let c = 0; c < k; c++) w[base + c] -= step * (v * z[c] + l2 * w[base + c]);
      }
    }
    if (epoch >= firstAveraged) {
      averaged++;
      const a = 1 / averaged;
      for (let i = 0; i < w.length; i++) avgW[i] += (w[i] - avgW[i]) * a;
      for (let c = 0; c < k; c++) avgB[c] += (b[c] - avgB[c]) * a;
    }
  }
  return { classes: k, features: f, weights: avgW, bias: Float32Array.from(avgB) };
}
