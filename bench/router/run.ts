/**
 * Router benchmark: trains the local topic router and reports its quality and speed.
 *
 *   node bench/router/run.ts                                  the assembled 80-intent dataset
 *   node bench/router/run.ts --train a.csv --test b.csv       any `text,label` CSV pair
 *   add --json for one JSON object instead of the table
 */
import { parseArgs } from 'node:util';
import type { LabeledText } from '../../src/models/local/contracts.ts';
import { readLabeledCsv } from '../../src/models/local/router/csv.ts';
import { evaluateRouter } from '../../src/models/local/router/metrics.ts';
import { TopicRouter } from '../../src/models/local/router/router.ts';
import { reportError } from '../../src/cli/run.ts';
import { assembleDataset } from './dataset.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { train: { type: 'string' }, test: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (Boolean(values.train) !== Boolean(values.test)) {
    process.stderr.write('--train and --test go together\n');
    return 2;
  }
  let train: LabeledText[];
  let test: (LabeledText & { phrasing?: string })[];
  let source: string;
  if (values.train && values.test) {
    [train, test] = await Promise.all([readLabeledCsv(values.train), readLabeledCsv(values.test)]);
    source = `${values.train} -> ${values.test}`;
  } else {
    ({ train, test } = assembleDataset());
    source = 'assembled intent dataset (bench/router/dataset.ts, seed 1)';
  }

  const started = performance.now();
  const router = TopicRouter.train(train);
  const trainingSeconds = (performance.now() - started) / 1000;
  const result = evaluateRouter(router, test);
  // The assembled set marks which test utterances use phrasings held out of training.
  const byPhrasing = ['seen', 'new'].map((kind) => {
    const subset = test.filter((t) => t.phrasing === kind);
    return subset.length ? { kind, accuracy: round(evaluateRouter(router, subset).accuracy, 4), examples: subset.length } : null;
  });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const report = {
    source,
    training_seconds: round(trainingSeconds, 2),
    train_examples: train.length,
    classes: router.labels.length,
    test_examples: result.examples,
    accuracy: round(result.accuracy, 4),
    macro_f1: round(result.macro_f1, 4),
    p50_ms: round(result.p50_ms, 3),
    p95_ms: round(result.p95_ms, 3),
    p99_ms: round(result.p99_ms, 3),
    peak_rss_mb: round(peakRssMb, 1),
    model_mb: round(JSON.stringify(router).length / 1e6, 1),
    unknown_test_labels: result.unknown_labels,
    ...(byPhrasing[0] && byPhrasing[1]
      ? { accuracy_seen_phrasing: byPhrasing[0].accuracy, accuracy_new_phrasing: byPhrasing[1].accuracy }
      : {}),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const rows: [string, string][] = [
    ['data', source],
    ['training time', `${report.training_seconds} s`],
    ['training examples', String(report.train_examples)],
    ['classes', String(report.classes)],
    ['test examples', String(report.test_examples)],
    ['accuracy', pct(result.accuracy)],
    ['macro-F1', pct(result.macro_f1)],
    ...byPhrasing.flatMap((b): [string, string][] =>
      b ? [[`  accuracy, ${b.kind === 'new' ? 'held-out phrasings' : 'trained phrasings'}`, `${pct(b.accuracy)} (${b.examples} examples)`]] : [],
    ),
    ['classify p50 / p95 / p99', `${report.p50_ms} / ${report.p95_ms} / ${report.p99_ms} ms`],
    ['peak RSS', `${report.peak_rss_mb} MB`],
    ['model size (JSON)', `${report.model_mb} MB`],
  ];
  if (result.unknown_labels.length) rows.push(['test labels unseen in training', result.unknown_labels.join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  return 0;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

main().then(
  (code) => (process.exitCode = code),
  (err) => (process.exitCode = reportError(err)),
);
