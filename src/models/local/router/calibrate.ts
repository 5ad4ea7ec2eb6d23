/**
 * Temperature scaling: one scalar T that divides the scores before the softmax, chosen to minimise
 * the log-loss of predictions on examples the model did not train on. A model trained to near-zero
 * training loss is over-confident on new text (T > 1 softens it); a strongly regularised one is
 * under-confident (T < 1 sharpens it). T never changes which label wins.
 */
import type { LabeledText } from '../contracts.ts';
import { rng } from '../../../core/random.ts';
import { shuffle } from './softmax.ts';

type Fit = (rows: LabeledText[]) => { predict: (text: string) => Float64Array };

export interface CalibrateOptions {
  /** Number of stratified folds the data is split into (default 3). */
  folds?: number;
  /** How many of the folds are held out in turn, each costing one training (default all). */
  rounds?: number;
  seed?: number;
}

/** Fits T on stratified out-of-fold predictions. Returns 1 when there is too little data to hold any out. */
export function calibrateTemperature(rows: LabeledText[], classes: string[], fit: Fit, options: CalibrateOptions = {}): number {
  const folds = options.folds ?? 3;
  const rounds = Math.min(folds, options.rounds ?? folds);
  const byClass = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const members = byClass.get(row.label);
    if (members) members.push(i);
    else byClass.set(row.label, [i]);
  });
  const fold = new Int32Array(rows.length);
  const random = rng(options.seed ?? 7);
  let heldOutClasses = 0;
  for (const members of byClass.values()) {
    shuffle(members, random);
    // A class with a single example stays in training: holding it out teaches nothing about it.
    members.forEach((row, j) => (fold[row] = members.length > 1 ? j % folds : -1));
    if (members.length > 1) heldOutClasses++;
  }
  if (heldOutClasses < 2) return 1;

  const index = new Map(classes.map((c, i) => [c, i]));
  const held: { z: Float64Array; y: number }[] = [];
  for (let f = 0; f < rounds; f++) {
    const train = rows.filter((_, i) => fold[i] !== f);
    const test = rows.filter((_, i) => fold[i] === f);
    if (!test.length) continue;
    const trainedLabels = new Set(train.map((r) => r.label));
    if (trainedLabels.size < 2) continue;
    const { predict } = fit(train);
    for (const row of test) held.push({ z: predict(row.text), y: index.get(row.label) as number });
  }
  if (!held.length) return 1;
  return Math.exp(goldenMin((logT) => logLoss(held, Math.exp(logT)), Math.log(0.05), Math.log(20)));
}

function logLoss(held: { z: Float64Array; y: number }[], t: number): number {
  let total = 0;
  for (const { z, y } of held) {
    let max = -Infinity;
    for (const v of z) if (v / t > max) max = v / t;
    let sum = 0;
    for (const v of z) sum += Math.exp(v / t - max);
    total += Math.log(sum) + max - z[y] / t;
  }
  return total / held.length;
}

/** Minimum of a unimodal function on [lo, hi] by golden-section search. */
function goldenMin(f: (x: number) => number, lo: number, hi: number, iterations = 40): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iterations; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}
