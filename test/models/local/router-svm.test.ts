import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabeledText } from '../../../src/models/local/contracts.ts';
import { calibrateTemperature } from '../../../src/models/local/router/calibrate.ts';
import { toCsr, type CsrMatrix } from '../../../src/models/local/router/features.ts';
import { scores } from '../../../src/models/local/router/softmax.ts';
import { DEFAULT_SVM, trainSvm } from '../../../src/models/local/router/svm.ts';

/** Rows of a dense matrix as sparse rows (zeros left out). */
function matrix(rows: number[][]): CsrMatrix {
  const sparse = rows.map((row) => {
    const indices = row.flatMap((v, i) => (v === 0 ? [] : [i]));
    return { indices: Int32Array.from(indices), values: Float32Array.from(indices, (i) => row[i]) };
  });
  return toCsr(sparse, rows[0].length);
}

function scoreRow(model: ReturnType<typeof trainSvm>, row: number[]): number[] {
  const x = matrix([row]);
  const out = new Float64Array(model.classes);
  scores(model, x.indices, x.values, out);
  return Array.from(out);
}

const argmax = (v: number[]) => v.indexOf(Math.max(...v));

describe('trainSvm', () => {
  // Three classes, each marked by its own feature, with a shared noise feature.
  const dense = [
    [1, 0, 0, 0.3],
    [0.9, 0.1, 0, 0],
    [0, 1, 0, 0.3],
    [0.1, 0.9, 0, 0],
    [0, 0, 1, 0.3],
    [0, 0.1, 0.9, 0],
  ];
  const x = matrix(dense);
  const y = Int32Array.from([0, 0, 1, 1, 2, 2]);

  it('separates classes that a hyperplane can separate, including unseen points', () => {
    const model = trainSvm(x, y, 3);
    dense.forEach((row, r) => assert.equal(argmax(scoreRow(model, row)), y[r]));
    assert.equal(argmax(scoreRow(model, [0.7, 0.2, 0, 0.5])), 0);
    assert.equal(argmax(scoreRow(model, [0, 0.2, 0.6, 0])), 2);
  });

  it('puts each class on the positive side of its own examples and the negative side of the others', () => {
    const model = trainSvm(x, y, 3, { ...DEFAULT_SVM, c: 100 });
    const s = scoreRow(model, [1, 0, 0, 0.3]);
    assert.ok(s[0] > 0.5, `own class ${s[0]}`);
    assert.ok(s[1] < -0.5 && s[2] < -0.5, `other classes ${s[1]}, ${s[2]}`);
  });

  it('gives the same weights for the same data and seed', () => {
    assert.deepEqual(trainSvm(x, y, 3), trainSvm(x, y, 3));
  });

  it('leans an ambiguous point towards the class whose examples weigh more', () => {
    const two = matrix([[1, 0], [0, 1]]);
    const labels = Int32Array.from([0, 1]);
    const light = { ...DEFAULT_SVM, c: 0.1 };
    const middle = [0.5, 0.5];
    const toFirst = scoreRow(trainSvm(two, labels, 2, light, Float32Array.from([10, 1])), middle);
    const toSecond = scoreRow(trainSvm(two, labels, 2, light, Float32Array.from([1, 10])), middle);
    assert.equal(argmax(toFirst), 0);
    assert.equal(argmax(toSecond), 1);
  });
});

describe('calibrateTemperature', () => {
  const rows: LabeledText[] = ['a', 'b', 'c'].flatMap((label) => Array.from({ length: 6 }, (_, i) => ({ text: `${label} ${i}`, label })));
  const classes = ['a', 'b', 'c'];

  /** A scorer that is always right but only by a small margin: under-confident at T = 1. */
  function fitCounting(calls: { n: number }) {
    return () => {
      calls.n++;
      return { predict: (text: string) => Float64Array.from(classes, (c) => (text.startsWith(c) ? 0.2 : 0)) };
    };
  }

  it('sharpens the probabilities of a scorer that is right more often than it claims', () => {
    const t = calibrateTemperature(rows, classes, fitCounting({ n: 0 }));
    assert.ok(t < 0.2, `temperature ${t}`);
  });

  it('trains once per held-out fold, or only as many times as rounds asks', () => {
    const all = { n: 0 };
    calibrateTemperature(rows, classes, fitCounting(all));
    assert.equal(all.n, 3);
    const one = { n: 0 };
    calibrateTemperature(rows, classes, fitCounting(one), { rounds: 1 });
    assert.equal(one.n, 1);
  });
});
