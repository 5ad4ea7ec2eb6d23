/**
 * bench/knowledge — ingestion throughput and BM25 retrieval latency.
 *
 * 1. Store: synthetic documents of five sections (one chunk each) stored through replaceDocuments
 *    in batches, on an embedded PGlite store in a temporary directory, for each size in --sizes (chunks). Prints documents/s,
 *    chunks/s, the VACUUM/ANALYZE time after loading, BM25 query p50/p95 (top 10, best chunk per
 *    document, after a warm-up) and the peak RSS. Each size runs in its own process so its peak
 *    memory is its own. Chunk token counts are computed before the clock starts: this measures the
 *    store, not the tokenizer.
 * 2. --eval-docs N: writes a synthetic BEIR data set of N documents and runs the whole
 *    `agentproof knowledge eval` path on it (reading, tokenizing, ingesting, querying, scoring).
 * 3. --beir DIR: the same on a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv).
 *
 * Usage: node bench/knowledge/run.ts [--sizes 10000,100000] [--queries 300] [--eval-docs 5000] [--beir DIR] [--json]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { searchBm25 } from '../../src/knowledge/bm25.ts';
import type { Chunk } from '../../src/knowledge/contracts.ts';
import { evaluateBeir, withScratchProject, type BeirEvalResult } from '../../src/knowledge/eval.ts';
import { percentile } from '../../src/core/stats.ts';
import { ensureSource, optimizeForSearch, replaceDocuments, type DocumentInput } from '../../src/knowledge/store.ts';
import { countTokens } from '../../src/models/tokens.ts';
import { DEFAULT_PROJECT_ID } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { syntheticDocs, syntheticQueries, writeBeirFiles } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    chunks: { type: 'string' },
    queries: { type: 'string', default: '300' },
    'eval-docs': { type: 'string' },
    beir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const QUERIES = Number(values.queries);
const SECTIONS = 5;
const BATCH_DOCS = 100;

interface StoreFigures {
  chunks: number;
  docs: number;
  ingestS: number;
  docsPerS: number;
  chunksPerS: number;
  optimizeS: number;
  p50Ms: number;
  p95Ms: number;
  peakRssMb: number;
}

/** One size, in this process: the parent reads the JSON line it prints. */
async function storeBench(chunkCount: number): Promise<StoreFigures> {
  const docCount = Math.ceil(chunkCount / SECTIONS);
  const dataDir = await mkdtemp(join(tmpdir(), 'agentproof-bench-knowledge-'));
  const db = await openStore({ dataDir, databaseUrl: '', command: 'bench/knowledge' });
  try {
    const sourceId = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'bench', name: 'synthetic' });
    const sections = syntheticDocs({ docs: docCount * SECTIONS, queries: 0 });
    let ingestMs = 0;
    let stored = 0;
    while (stored < docCount) {
      const batch: DocumentInput[] = [];
      for (let d = 0; d < BATCH_DOCS && stored + batch.length < docCount; d++) {
        const chunks: Chunk[] = [];
        let title = '';
        for (let s = 0; s < SECTIONS; s++) {
          const section = sections.next().value!;
          if (s === 0) title = section.title;
          chunks.push({ text: section.text, title, sectionPath: [section.title], position: s, tokens: countTokens(section.text) });
        }
        batch.push({ projectId: DEFAULT_PROJECT_ID, sourceId, path: `doc-${stored + batch.length}.md`, title, contentHash: String(stored + batch.length), bytes: 0, chunks });
      }
      const t0 = performance.now();
      await replaceDocuments(db, batch);
      ingestMs += performance.now() - t0;
      stored += batch.length;
    }
    const t0 = performance.now();
    await optimizeForSearch(db);
    const optimizeS = (performance.now() - t0) / 1000;

    // Queries drawn from the sections, as the synthetic BEIR set draws them from its documents.
    const queries = syntheticQueries({ docs: docCount * SECTIONS, queries: QUERIES });
    for (const q of queries.slice(0, 20)) await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: q.text, k: 10, onePerDocument: true });
    const latencies: number[] = [];
    for (const q of queries) {
      const t = performance.now();
      await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: q.text, k: 10, onePerDocument: true });
      latencies.push(performance.now() - t);
    }
    const ingestS = ingestMs / 1000;
    return {
      chunks: docCount * SECTIONS,
      docs: docCount,
      ingestS,
      docsPerS: docCount / ingestS,
      chunksPerS: (docCount * SECTIONS) / ingestS,
      optimizeS,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function inChildProcess(chunkCount: number): Promise<StoreFigures> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, '--chunks', String(chunkCount), '--queries', String(QUERIES)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as StoreFigures) : reject(new Error(`bench for ${chunkCount} chunks exited ${code}`))));
  });
}

async function evalBench(files: { corpus: string; queries: string; qrels: string }): Promise<BeirEvalResult & { peakRssMb: number }> {
  const db = await openStore({ memory: true });
  try {
    const result = await withScratchProject(db, false, (projectId) => evaluateBeir(db, projectId, files));
    return { ...result, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await db.close();
  }
}

function printEval(label: string, r: BeirEvalResult & { peakRssMb: number }): void {
  console.log(`${label}: ${r.docs} documents (${r.chunks} chunks), ${r.queries} queries`);
  console.log(`  nDCG@10 ${r.ndcg.toFixed(4)}  Recall@10 ${r.recall.toFixed(4)}  Recall@100 ${r.recallAt100.toFixed(4)}  MRR@10 ${r.mrr.toFixed(4)}`);
  console.log(`  ingest ${r.ingestS.toFixed(1)} s (${Math.round(r.docs / r.ingestS)} documents/s, tokenizing included)`);
  console.log(`  query p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms; peak RSS ${Math.round(r.peakRssMb)} MB`);
}

if (values.chunks) {
  process.stdout.write(JSON.stringify(await storeBench(Number(values.chunks))));
} else if (values.beir) {
  const dir = values.beir;
  const r = await evalBench({ corpus: join(dir, 'corpus.jsonl'), queries: join(dir, 'queries.jsonl'), qrels: join(dir, 'qrels', 'test.tsv') });
  if (values.json) console.log(JSON.stringify(r));
  else printEval(`BEIR ${dir}`, r);
} else if (values['eval-docs']) {
  const docs = Number(values['eval-docs']);
  const dir = await mkdtemp(join(tmpdir(), 'agentproof-bench-beir-'));
  try {
    const files = await writeBeirFiles(dir, { docs, queries: QUERIES });
    const r = await evalBench(files);
    if (values.json) console.log(JSON.stringify(r));
    else printEval('synthetic BEIR set', r);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} else {
  const results: StoreFigures[] = [];
  for (const size of values.sizes.split(',').map(Number)) {
    const r = await inChildProcess(size);
    results.push(r);
    if (!values.json) {
      console.log(`${r.chunks} chunks (${r.docs} documents of ${SECTIONS} sections), embedded PGlite store on disk`);
      console.log(`  ingest ${r.ingestS.toFixed(1)} s: ${Math.round(r.docsPerS)} documents/s, ${Math.round(r.chunksPerS)} chunks/s; VACUUM/ANALYZE ${r.optimizeS.toFixed(1)} s`);
      console.log(`  BM25 top 10: p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms over ${QUERIES} queries; peak RSS ${Math.round(r.peakRssMb)} MB`);
    }
  }
  if (values.json) console.log(JSON.stringify(results));
}
