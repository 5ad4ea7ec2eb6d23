import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError, errorMessage } from '../../core/errors.ts';
import { evaluateBeir, withScratchProject, type BeirEvalResult } from '../../knowledge/eval.ts';
import type { Db } from '../../store/db.ts';
import { openStore } from '../../store/open.ts';
import { action, printJson } from '../run.ts';

interface EvalFlags {
  corpus: string;
  queries: string;
  qrels: string;
  k: string;
  k1?: string;
  b?: string;
  json?: boolean;
  data?: string;
}

export function register(program: Command): void {
  const knowledge = program.command('knowledge').description('Knowledge sources: retrieval evaluation.');

  knowledge
    .command('eval')
    .description('Measure retrieval on a BEIR data set: ingest its corpus into a scratch project, run its queries, score them against its qrels.')
    .requiredOption('--corpus <file>', 'corpus.jsonl: one {"_id","title","text"} a line')
    .requiredOption('--queries <file>', 'queries.jsonl: one {"_id","text"} a line')
    .requiredOption('--qrels <file>', 'qrels TSV: query-id, corpus-id, score, after a header line')
    .option('--k <n>', 'cutoff of nDCG, recall and MRR', '10')
    .option('--k1 <x>', 'BM25 term-frequency saturation (default 0.9)')
    .option('--b <x>', 'BM25 length normalisation, 0-1 (default 0.4)')
    .option('--json', 'print one JSON object')
    .option('--data <dir>', 'use the embedded store in this directory instead of a throw-away one in memory')
    .addHelpText('after', '\nWithout --data the corpus is loaded into memory, or into DATABASE_URL when it is set; a scratch\nproject is used and deleted afterwards.')
    .action(action(async (flags: EvalFlags) => {
      const k = wholeNumber(flags.k, '--k', 1, 1000);
      const k1 = flags.k1 === undefined ? undefined : number(flags.k1, '--k1', 0, 100);
      const b = flags.b === undefined ? undefined : number(flags.b, '--b', 0, 1);
      // Before opening a store, which takes a while: a wrong path should fail at once.
      for (const [flag, file] of [['--corpus', flags.corpus], ['--queries', flags.queries], ['--qrels', flags.qrels]] as const) await readable(file, flag);
      const db = await openEvalStore(flags.data);
      const progress = process.stderr.isTTY ? progressLine() : undefined;
      let result: BeirEvalResult;
      try {
        // An in-memory store vanishes on close: no need to delete the scratch project row by row.
        result = await withScratchProject(db, flags.data !== undefined || db.kind === 'postgres', (projectId) =>
          evaluateBeir(db, projectId, { corpus: flags.corpus, queries: flags.queries, qrels: flags.qrels, k, k1, b, onProgress: progress?.update }),
        );
      } finally {
        progress?.done();
        await db.close();
      }
      if (flags.json) printJson(toJson(result));
      else process.stdout.write(render(result));
    }));
}

async function openEvalStore(data: string | undefined): Promise<Db> {
  if (data !== undefined) return openStore({ dataDir: data, databaseUrl: '', command: 'agentproof knowledge eval' });
  if (process.env.DATABASE_URL) return openStore({ databaseUrl: process.env.DATABASE_URL });
  return openStore({ memory: true });
}

function toJson(r: BeirEvalResult): Record<string, number> {
  return {
    [`ndcg_at_${r.k}`]: round(r.ndcg, 4),
    [`recall_at_${r.k}`]: round(r.recall, 4),
    recall_at_100: round(r.recallAt100, 4),
    [`mrr_at_${r.k}`]: round(r.mrr, 4),
    p50_ms: round(r.p50Ms, 2),
    p95_ms: round(r.p95Ms, 2),
    docs: r.docs,
    queries: r.queries,
    ingest_s: round(r.ingestS, 2),
  };
}

function render(r: BeirEvalResult): string {
  const rows: [string, string][] = [
    [`nDCG@${r.k}`, r.ndcg.toFixed(4)],
    [`Recall@${r.k}`, r.recall.toFixed(4)],
    ['Recall@100', r.recallAt100.toFixed(4)],
    [`MRR@${r.k}`, r.mrr.toFixed(4)],
    ['query latency', `p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms`],
    ['ingest', `${r.ingestS.toFixed(1)} s (${Math.round(r.docs / Math.max(r.ingestS, 1e-9))} documents/s)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `${r.docs} documents (${r.chunks} chunks), ${r.queries} judged queries, BM25`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
  ].join('\n');
}

/** A single self-overwriting stderr line, for terminals only. */
function progressLine(): { update: (docs: number) => void; done: () => void } {
  const started = performance.now();
  let shown = false;
  return {
    update: (docs) => {
      const rate = docs / Math.max((performance.now() - started) / 1000, 1e-9);
      process.stderr.write(`\ringesting corpus: ${docs} documents (${Math.round(rate)}/s)`);
      shown = true;
    },
    done: () => {
      if (shown) process.stderr.write('\n');
    },
  };
}

async function readable(file: string, flag: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    throw new InputError(`cannot read ${file} (${flag}): ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, [{ file, path: flag, message: 'file not readable' }]);
  }
}

function wholeNumber(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`${flag} must be a whole number from ${min} to ${max}, got ${value}`, [{ path: flag, message: `expected ${min}-${max}` }]);
  return n;
}

function number(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InputError(`${flag} must be a number from ${min} to ${max}, got ${value}`, [{ path: flag, message: `expected ${min}-${max}` }]);
  return n;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
