import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/core/errors.ts';
import { readCorpus, readQrels, readQueries } from '../../src/knowledge/beir.ts';
import { BEIR_MAX_CHUNK_TOKENS, beirChunks, evaluateBeir, withScratchProject } from '../../src/knowledge/eval.ts';
import { openStore } from '../../src/store/open.ts';
import type { Db } from '../../src/store/db.ts';
import { countTokens } from '../../src/models/tokens.ts';

const fixture = fileURLToPath(new URL('../fixtures/beir/', import.meta.url));
const files = { corpus: join(fixture, 'corpus.jsonl'), queries: join(fixture, 'queries.jsonl'), qrels: join(fixture, 'qrels/test.tsv') };

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('BEIR files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentproof-beir-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };

  /** Expects an InputError naming file and line, with `message` in the issue. */
  const rejectsAt = (promise: Promise<unknown>, file: string, line: number, message: RegExp) =>
    assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.match(err.message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(line ${line}\\)`));
      assert.equal(err.issues[0].file, file);
      assert.equal(err.issues[0].line, line);
      assert.match(err.issues[0].message, message);
      return true;
    });

  test('the fixture reads as 30 documents, 10 queries and graded judgements', async () => {
    const docs = await collect(readCorpus(files.corpus));
    assert.equal(docs.length, 30);
    assert.deepEqual(docs[2], {
      id: 'c03',
      title: 'Channeling in espresso',
      text: 'Channeling happens when water finds a weak path through the puck, over-extracting that path and under-extracting the rest. Uneven tamping, clumps and cracks in the puck are the usual causes; distributing the grounds before tamping prevents it.',
    });
    const queries = await readQueries(files.queries);
    assert.equal(queries.size, 10);
    assert.equal(queries.get('q3'), 'how long should cold brew steep');
    const qrels = await readQrels(files.qrels);
    assert.deepEqual(qrels.get('q1'), new Map([['c04', 2], ['c02', 1], ['c09', 1]]));
    assert.equal([...qrels.values()].reduce((n, m) => n + m.size, 0), 19);
  });

  test('blank lines, a byte-order mark, numeric ids and a missing title are accepted', async () => {
    const file = await write('ok.jsonl', '\uFEFF{"_id": 7, "text": "seven"}\n\n{"_id": "b", "title": null, "text": "bee", "metadata": {}}\r\n');
    assert.deepEqual(await collect(readCorpus(file)), [{ id: '7', title: '', text: 'seven' }, { id: 'b', title: '', text: 'bee' }]);
    const qrels = await write('spaces.tsv', 'q 7 1\nq b 0\n');
    assert.deepEqual(await readQrels(qrels), new Map([['q', new Map([['7', 1], ['b', 0]])]]));
  });

  test('a bad corpus line is reported with its file and line', async () => {
    const good = '{"_id": "a", "title": "", "text": "x"}\n';
    await rejectsAt(collect(readCorpus(await write('c1.jsonl', `${good}\n{"_id": "b", "text": "x"\n`))), join(dir, 'c1.jsonl'), 3, /not valid JSON/);
    await rejectsAt(collect(readCorpus(await write('c2.jsonl', `${good}{"_id": "b"}\n`))), join(dir, 'c2.jsonl'), 2, /missing "text"/);
    await rejectsAt(collect(readCorpus(await write('c3.jsonl', `${good}{"_id": "a", "text": "again"}\n`))), join(dir, 'c3.jsonl'), 2, /document "a" appears twice/);
    await rejectsAt(collect(readCorpus(await write('c4.jsonl', `[1, 2]\n`))), join(dir, 'c4.jsonl'), 1, /expected a JSON object/);
    await rejectsAt(collect(readCorpus(await write('c5.jsonl', `{"_id": "", "text": "x"}\n`))), join(dir, 'c5.jsonl'), 1, /"_id" must be a non-empty string/);
  });

  test('bad query and qrels lines are reported with their file and line', async () => {
    await rejectsAt(readQueries(await write('q.jsonl', '{"_id": "q1", "text": "a"}\n{"_id": "q2", "text": 5}\n')), join(dir, 'q.jsonl'), 2, /"text" must be a string/);
    await rejectsAt(readQrels(await write('r1.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\n')), join(dir, 'r1.tsv'), 3, /expected 3 columns/);
    await rejectsAt(readQrels(await write('r2.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\thigh\n')), join(dir, 'r2.tsv'), 2, /score must be a whole number/);
  });

  test('a missing file is an input error naming it', async () => {
    const missing = join(dir, 'nope.jsonl');
    await assert.rejects(readQueries(missing), (err: unknown) => err instanceof InputError && err.message.includes(missing));
  });

  test('a document longer than the chunk budget is split into pieces within it, losing no text', () => {
    const text = Array.from({ length: 12_000 }, (_, i) => `word${i}`).join(' ');
    const chunks = beirChunks({ id: 'long', title: 'Long', text });
    assert.ok(chunks.length >= 2);
    assert.equal(chunks.map((c) => c.text).join(''), text);
    for (const c of chunks) {
      assert.ok(c.tokens <= BEIR_MAX_CHUNK_TOKENS, `${c.tokens} tokens`);
      assert.equal(c.tokens, countTokens(c.text));
    }
    assert.deepEqual(chunks.map((c) => c.position), chunks.map((_, i) => i));
    assert.equal(beirChunks({ id: 's', title: '', text: 'short' }).length, 1);
  });
});

describe('BEIR evaluation', () => {
  let db: Db;
  let dir: string;
  before(async () => {
    db = await openStore({ memory: true });
    dir = await mkdtemp(join(tmpdir(), 'agentproof-beir-eval-'));
  });
  after(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('BM25 answers the fixture queries well, and every scratch row is gone afterwards', async () => {
    const result = await withScratchProject(db, true, (projectId) => evaluateBeir(db, projectId, files));
    assert.equal(result.docs, 30);
    assert.equal(result.chunks, 30);
    assert.equal(result.queries, 10);
    assert.equal(result.k, 10);
    // Each query's best document is the one written for it.
    assert.equal(result.mrr, 1);
    assert.ok(result.ndcg > 0.85 && result.ndcg <= 1, `nDCG@10 ${result.ndcg}`);
    assert.ok(result.recallAt100 >= result.recall);
    assert.ok(result.p95Ms >= result.p50Ms && result.p50Ms > 0);
    const [{ rows }] = await db.query<{ rows: number }>(
      `SELECT (SELECT count(*) FROM knowledge_sources) + (SELECT count(*) FROM knowledge_documents) + (SELECT count(*) FROM knowledge_chunk_terms)
         + (SELECT count(*) FROM projects WHERE id LIKE 'scratch-%') AS rows`,
    );
    assert.equal(Number(rows), 0);
  });

  test('a document with the query\'s own id is not counted as its answer', async () => {
    // ArguAna-style: the query is itself in the corpus; only the other document is judged relevant.
    const corpus = join(dir, 'corpus.jsonl');
    await writeFile(corpus, [
      { _id: 'arg1', title: '', text: 'School uniforms reduce bullying over clothes.' },
      { _id: 'arg2', title: '', text: 'Uniforms do not reduce bullying; children find other targets.' },
      { _id: 'arg3', title: '', text: 'Homework should be banned in primary schools.' },
    ].map((d) => JSON.stringify(d)).join('\n'));
    const queries = join(dir, 'queries.jsonl');
    await writeFile(queries, `${JSON.stringify({ _id: 'arg1', text: 'School uniforms reduce bullying over clothes.' })}\n`);
    const qrels = join(dir, 'qrels.tsv');
    await writeFile(qrels, 'query-id\tcorpus-id\tscore\narg1\targ2\t1\n');
    const result = await withScratchProject(db, false, (projectId) => evaluateBeir(db, projectId, { corpus, queries, qrels, k: 1 }));
    assert.equal(result.mrr, 1);
    assert.equal(result.ndcg, 1);
  });

  test('a judged query missing from the queries file is refused before ingesting', async () => {
    const qrels = join(dir, 'unknown.tsv');
    await writeFile(qrels, 'query-id\tcorpus-id\tscore\nq404\tc01\t1\n');
    await assert.rejects(
      withScratchProject(db, true, (projectId) => evaluateBeir(db, projectId, { ...files, qrels })),
      (err: unknown) => err instanceof InputError && /query "q404" is judged but not in/.test(err.message),
    );
  });
});
