import { readFile } from 'node:fs/promises';
import { writeAtomically } from '../write-file.ts';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.ts';
import { readLabeledCsv } from '../../models/local/router/csv.ts';
import { evaluateRouter } from '../../models/local/router/metrics.ts';
import { TopicRouter, type SerializedRouter } from '../../models/local/router/router.ts';
import { action, printJson } from '../run.ts';

/** Writes next to the target then renames, so a reader never sees a half-written model. */
async function loadModel(file: string): Promise<TopicRouter> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read model ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, [{ file, message: 'file not readable' }]);
  }
  let data: SerializedRouter;
  try {
    data = JSON.parse(text) as SerializedRouter;
  } catch (err) {
    throw new InputError(`${file} is not valid JSON`, [{ file, message: (err as Error).message }]);
  }
  try {
    return TopicRouter.fromJSON(data);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${file}: ${err.message}`, err.issues.map((i) => ({ ...i, file })));
    throw err;
  }
}

export function register(program: Command): void {
  const router = program.command('router').description('Train and evaluate the local topic router on `text,label` CSV files.');

  router
    .command('train')
    .description('Train a router from a CSV of text,label rows and save the model as JSON.')
    .requiredOption('--data <file>', 'training CSV with a header row "text,label"')
    .requiredOption('--out <file>', 'where to write the model')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (opts: { data: string; out: string; json?: boolean }) => {
        const examples = await readLabeledCsv(opts.data);
        const model = TopicRouter.train(examples);
        await writeAtomically(opts.out, JSON.stringify(model));
        const result = {
          examples: examples.length,
          classes: model.labels.length,
          training_seconds: Number(model.trained.seconds.toFixed(3)),
          model: opts.out,
        };
        if (opts.json) printJson(result);
        else {
          process.stdout.write(
            `trained on ${result.examples} examples, ${result.classes} classes in ${result.training_seconds.toFixed(2)} s\nmodel written to ${opts.out}\n`,
          );
        }
      }),
    );

  router
    .command('eval')
    .description('Score a saved router on a CSV of text,label rows: accuracy, macro-F1 and classify latency.')
    .requiredOption('--model <file>', 'model written by `router train`')
    .requiredOption('--data <file>', 'evaluation CSV with a header row "text,label"')
    .option('--json', 'print the result as one JSON object')
    .action(
      action(async (opts: { model: string; data: string; json?: boolean }) => {
        const model = await loadModel(opts.model);
        const examples = await readLabeledCsv(opts.data);
        const r = evaluateRouter(model, examples);
        if (opts.json) {
          printJson({
            accuracy: r.accuracy,
            macro_f1: r.macro_f1,
            examples: r.examples,
            classes: r.classes,
            p50_ms: r.p50_ms,
            p95_ms: r.p95_ms,
            p99_ms: r.p99_ms,
            unknown_labels: r.unknown_labels,
          });
          return;
        }
        const lines = [
          `accuracy  ${(100 * r.accuracy).toFixed(2)}%`,
          `macro-F1  ${(100 * r.macro_f1).toFixed(2)}%`,
          `examples  ${r.examples}`,
          `classes   ${r.classes}`,
          `latency   p50 ${r.p50_ms.toFixed(3)} ms, p95 ${r.p95_ms.toFixed(3)} ms`,
        ];
        if (r.unknown_labels.length) lines.push(`labels not in the model (counted as errors): ${r.unknown_labels.join(', ')}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}
