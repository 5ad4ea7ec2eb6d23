import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { cliEnv, repoRoot } from '../helpers/cli.ts';

const fixture = join(repoRoot, 'test/fixtures/beir');
const files = ['--corpus', join(fixture, 'corpus.jsonl'), '--queries', join(fixture, 'queries.jsonl'), '--qrels', join(fixture, 'qrels/test.tsv')];

/**
 * Runs `agentproof knowledge ARGS` in a child process: a program with just this command's
 * register(), built the way src/cli/main.ts builds the real one.
 */
function runKnowledge(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = pathToFileURL(join(repoRoot, 'src/cli/commands/knowledge.ts')).href;
  const script = `
    import { Command } from 'commander';
    import { register } from ${JSON.stringify(command)};
    const program = new Command('agentproof').enablePositionalOptions().showHelpAfterError().configureOutput({ outputError: (s, w) => w(s) });
    register(program);
    await program.parseAsync(process.argv.slice(1), { from: 'user' });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', 'knowledge', ...args], { env: cliEnv(), cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('agentproof knowledge eval', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentproof-knowledge-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('prints nDCG@10, recall, MRR, latency and ingest figures for a BEIR folder', async () => {
    const r = await runKnowledge(['eval', ...files]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^30 documents \(30 chunks\), 10 judged queries, BM25$/m);
    for (const label of ['nDCG@10', 'Recall@10', 'Recall@100', 'MRR@10']) assert.match(r.stdout, new RegExp(`^  ${label}\\s+(0|1)\\.\\d{4}$`, 'm'));
    assert.match(r.stdout, /^  query latency\s+p50 [\d.]+ ms, p95 [\d.]+ ms$/m);
    assert.match(r.stdout, /^  ingest\s+[\d.]+ s \(\d+ documents\/s\)$/m);
    // Not a terminal: no progress line.
    assert.equal(r.stderr, '');
  });

  test('--json prints one object with the documented keys', async () => {
    const r = await runKnowledge(['eval', ...files, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(body).sort(), ['docs', 'ingest_s', 'mrr_at_10', 'ndcg_at_10', 'p50_ms', 'p95_ms', 'queries', 'recall_at_10', 'recall_at_100'].sort());
    assert.equal(body.docs, 30);
    assert.equal(body.queries, 10);
    assert.equal(body.mrr_at_10, 1);
    assert.ok(body.ndcg_at_10 > 0.85 && body.ndcg_at_10 <= 1);
    for (const value of Object.values(body)) assert.equal(typeof value, 'number');
  });

  test('--k changes the cutoff and the names of the figures', async () => {
    const r = await runKnowledge(['eval', ...files, '--k', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as Record<string, number>;
    assert.equal(body.mrr_at_1, 1);
    assert.ok(body.ndcg_at_1 > 0 && body.ndcg_at_1 <= 1);
    assert.ok('recall_at_100' in body && !('ndcg_at_10' in body));
  });

  test('--data uses an embedded store in that folder and leaves no scratch project behind', async () => {
    const data = join(dir, 'store');
    const r = await runKnowledge(['eval', ...files, '--data', data, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { docs: number }).docs, 30);
    const { openStore } = await import('../../src/store/open.ts');
    const db = await openStore({ dataDir: data, databaseUrl: '', command: 'test' });
    try {
      const [{ n }] = await db.query<{ n: number }>(`SELECT (SELECT count(*) FROM knowledge_documents) + (SELECT count(*) FROM projects WHERE id <> 'default') AS n`);
      assert.equal(Number(n), 0);
    } finally {
      await db.close();
    }
  });

  test('a bad line exits 2 naming the file and line', async () => {
    const corpus = join(dir, 'corpus.jsonl');
    await writeFile(corpus, '{"_id": "a", "text": "fine"}\n{"_id": "b", "text": "broken\n');
    const r = await runKnowledge(['eval', '--corpus', corpus, '--queries', join(fixture, 'queries.jsonl'), '--qrels', join(fixture, 'qrels/test.tsv')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`error: invalid BEIR corpus file .*corpus\\.jsonl \\(line 2\\)`));
    assert.match(r.stderr, /corpus\.jsonl:2: not valid JSON/);
    assert.equal(r.stdout, '');
  });

  test('a missing file, a bad --k and a bad --b exit 2 with the reason', async () => {
    const missing = await runKnowledge(['eval', ...files.slice(0, 4), '--qrels', join(dir, 'none.tsv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*none\.tsv/);
    const k = await runKnowledge(['eval', ...files, '--k', 'ten']);
    assert.equal(k.code, 2);
    assert.match(k.stderr, /--k must be a whole number from 1 to 1000, got ten/);
    const b = await runKnowledge(['eval', ...files, '--b', '2']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--b must be a number from 0 to 1, got 2/);
  });

  test('a missing required flag is reported by name', async () => {
    const r = await runKnowledge(['eval', '--corpus', join(fixture, 'corpus.jsonl')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--queries <file>/);
  });
});
