import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import type { Chunk } from '../../src/knowledge/contracts.ts';
import { ensureSource, replaceDocument, replaceDocuments, type DocumentInput } from '../../src/knowledge/store.ts';
import { embedMissingChunks, embeddingText, searchVectors, type VectorHit, type VectorQuery } from '../../src/knowledge/vectors.ts';
import { resolveEmbedder } from '../../src/models/embed.ts';
import { normalizeVector } from '../../src/models/normalize.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { fixtureEmbedding, startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';
import { storeVariants } from '../helpers/stores.ts';
import { rng } from '../../src/core/random.ts';

const DIMS = 64;
const next = rng(7);
const randomVector = () => Array.from({ length: DIMS }, () => next() * 2 - 1);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (v: number[]) => Math.sqrt(dot(v, v));

const chunk = (text: string, position: number): Chunk => ({ text, title: 'Guide', sectionPath: ['Part'], position, tokens: 3 });

/**
 * Same hits, similarities within 1e-6; two hits may trade places only when their similarities are
 * that close (float4 arithmetic in pgvector against float8 in SQL).
 */
function assertSameRanking(actual: VectorHit[], expected: { chunkId: number; similarity: number }[]): void {
  assert.equal(actual.length, expected.length);
  const similarityOf = new Map(expected.map((h) => [h.chunkId, h.similarity]));
  actual.forEach((hit, i) => {
    assert.equal(hit.rank, i + 1);
    assert.ok(Math.abs(hit.similarity - expected[i].similarity) < 1e-6, `rank ${i + 1}: ${hit.similarity} vs ${expected[i].similarity}`);
    if (hit.chunkId !== expected[i].chunkId) {
      assert.ok(Math.abs((similarityOf.get(hit.chunkId) ?? Infinity) - expected[i].similarity) < 1e-6, `rank ${i + 1}: chunk ${hit.chunkId} instead of ${expected[i].chunkId}`);
    }
  });
}

let llm: ScriptedLlm;
before(async () => {
  llm = await startScriptedLlm();
});
after(() => llm.close());

for (const variant of storeVariants()) {
  describe(`vector index on ${variant.name}`, () => {
    let db: Db;
    let sourceId: number;
    // A model per test: a model keeps one vector size in a project, and tests use several sizes.
    let MODEL: string;
    let n = 0;
    before(async () => {
      db = await variant.open();
    });
    after(() => db.close());
    beforeEach(async () => {
      llm.reset();
      sourceId = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'support', name: `docs-${++n}` });
      MODEL = `openai-compatible/embed-${n}`;
    });

    const doc = (path: string, chunks: Chunk[], over: Partial<DocumentInput> = {}): DocumentInput => ({
      projectId: DEFAULT_PROJECT_ID, sourceId, path, title: 'Guide', contentHash: `hash-of-${path}`, bytes: 100, chunks, ...over,
    });
    const vectorsOf = (path: string, model?: string) =>
      db.query<{ chunk_id: number; position: number; dims: number; embedding: number[] }>(
        `SELECT e.chunk_id, c.position, e.dims, e.embedding FROM knowledge_chunk_embeddings e
         JOIN knowledge_chunks c ON c.id = e.chunk_id JOIN knowledge_documents d ON d.id = c.document_id
         WHERE d.source_id = $1 AND d.path = $2 AND e.model = $3 ORDER BY c.position`,
        [sourceId, path, model ?? MODEL],
      );
    test('vectors are stored with their chunks, one per chunk in chunk order, normalised', async () => {
      const given = [[3, 4, 0], [0, 0, 2], [1, 1, 1]];
      await replaceDocument(db, doc('a.md', [chunk('one', 0), chunk('two', 1), chunk('three', 2)], { embeddings: { model: MODEL, vectors: given } }));
      const stored = await vectorsOf('a.md');
      assert.deepEqual(stored.map((r) => [r.position, r.dims]), [[0, 3], [1, 3], [2, 3]]);
      stored.forEach((r, i) => {
        assert.ok(Math.abs(norm(r.embedding) - 1) < 1e-6);
        assert.ok(Math.abs(dot(r.embedding, normalizeVector(given[i])) - 1) < 1e-6, `vector ${i} keeps its direction`);
      });
      assert.deepEqual(stored[0].embedding.map((x) => Math.round(x * 1e6) / 1e6), [0.6, 0.8, 0]);
    });

    test('a vector count that differs from the chunk count is refused before anything is written', async () => {
      await replaceDocument(db, doc('a.md', [chunk('old', 0)], { embeddings: { model: MODEL, vectors: [[1, 0]] } }));
      await assert.rejects(
        replaceDocument(db, doc('a.md', [chunk('new', 0), chunk('newer', 1)], { contentHash: 'v2', embeddings: { model: MODEL, vectors: [[0, 1]] } })),
        (err: unknown) => err instanceof InputError && /1 vectors for 2 chunks/.test(err.message) && err.issues[0].path === 'documents[0].embeddings.vectors',
      );
      assert.deepEqual((await vectorsOf('a.md')).map((r) => r.embedding), [[1, 0]]);
      for (const [vectors, message] of [
        [[[1, 0], [1, 0, 0]], /same number of dims/],
        [[[0, 0], [1, 0]], /zero vector/],
        [[[Number.NaN, 1], [1, 0]], /not a finite number/],
      ] as const) {
        await assert.rejects(replaceDocument(db, doc('a.md', [chunk('new', 0), chunk('newer', 1)], { embeddings: { model: MODEL, vectors: vectors.map((v) => [...v]) } })), message);
      }
    });

    test('a replacement that fails part-way keeps the old document and its vectors', async () => {
      await replaceDocuments(db, [
        doc('a.md', [chunk('a one', 0)], { embeddings: { model: MODEL, vectors: [[1, 0]] } }),
        doc('b.md', [chunk('b one', 0)], { embeddings: { model: MODEL, vectors: [[0, 1]] } }),
      ]);
      const before = [await vectorsOf('a.md'), await vectorsOf('b.md')];
      // b's new chunk has no token count: the database refuses it after a's new rows went in.
      await assert.rejects(
        replaceDocuments(db, [
          doc('a.md', [chunk('a two', 0)], { contentHash: 'a2', embeddings: { model: MODEL, vectors: [[1, 1]] } }),
          doc('b.md', [{ ...chunk('b two', 0), tokens: Number.NaN }], { contentHash: 'b2', embeddings: { model: MODEL, vectors: [[1, -1]] } }),
        ]),
        /tokens/,
      );
      assert.deepEqual([await vectorsOf('a.md'), await vectorsOf('b.md')], before);
    });

    test('replacing a document replaces its vectors, and deleting it deletes them', async () => {
      await replaceDocument(db, doc('a.md', [chunk('one', 0), chunk('two', 1)], { embeddings: { model: MODEL, vectors: [[1, 0], [0, 1]] } }));
      const second = await replaceDocument(db, doc('a.md', [chunk('only', 0)], { contentHash: 'v2', embeddings: { model: MODEL, vectors: [[-1, 0]] } }));
      const all = await db.query<{ document_id: number; embedding: number[] }>(`SELECT document_id, embedding FROM knowledge_chunk_embeddings WHERE source_id = $1`, [sourceId]);
      assert.deepEqual(all.map((r) => [Number(r.document_id), r.embedding]), [[second.documentId, [-1, 0]]]);
      await db.query(`DELETE FROM knowledge_documents WHERE id = $1`, [second.documentId]);
      assert.deepEqual(await db.query(`SELECT 1 FROM knowledge_chunk_embeddings WHERE source_id = $1`, [sourceId]), []);
    });

    test('a model keeps one vector size across documents', async () => {
      await replaceDocument(db, doc('a.md', [chunk('one', 0)], { embeddings: { model: 'openai/sized', vectors: [[1, 0]] } }));
      await assert.rejects(
        replaceDocument(db, doc('b.md', [chunk('two', 0)], { embeddings: { model: 'openai/sized', vectors: [[1, 0, 0]] } })),
        /openai\/sized vectors have 3 dims but the vectors already stored for it have 2/,
      );
      // Replacing the only document of that size with another size is a change of model version, not a conflict.
      await replaceDocument(db, doc('a.md', [chunk('one', 0)], { contentHash: 'v2', embeddings: { model: 'openai/sized', vectors: [[1, 0, 0]] } }));
    });

    test('a component too small for a real is stored as 0', async () => {
      await replaceDocument(db, doc('a.md', [chunk('one', 0)], { embeddings: { model: MODEL, vectors: [[1, 1e-45]] } }));
      assert.deepEqual((await vectorsOf('a.md'))[0].embedding, [1, 0]);
    });

    test('embedMissingChunks embeds only the chunks without a vector of the model, a batch at a time', async () => {
      const texts = ['Returns are free within thirty days.', 'Refunds reach your card in five days.', 'Parcels ship from Berlin.'];
      const aVectors = [0, 1].map((i) => normalizeVector(fixtureEmbedding(`already ${i}`)));
      await replaceDocument(db, doc('a.md', [chunk(texts[0], 0), chunk(texts[1], 1)], { embeddings: { model: MODEL, vectors: aVectors } }));
      await replaceDocument(db, doc('b.md', [chunk(texts[2], 0)]));
      const embedder = resolveEmbedder(MODEL, { OPENAI_COMPATIBLE_BASE_URL: llm.url });

      // Only b.md lacks a vector of MODEL.
      const progress: { done: number; total: number }[] = [];
      const first = await embedMissingChunks(db, DEFAULT_PROJECT_ID, [sourceId], embedder, { batch: 2, onProgress: (p) => progress.push(p) });
      assert.equal(first.chunks, 1);
      assert.deepEqual(progress, [{ done: 1, total: 1 }]);
      assert.deepEqual(llm.embeddingRequests.map((r) => r.input), [[embeddingText(chunk(texts[2], 0))]]);
      const [stored] = await vectorsOf('b.md');
      assert.ok(Math.abs(dot(stored.embedding, normalizeVector(fixtureEmbedding(embeddingText(chunk(texts[2], 0))))) - 1) < 1e-6);
      (await vectorsOf('a.md')).forEach((r, i) => assert.ok(dot(r.embedding, aVectors[i]) > 1 - 1e-6, 'vectors already there are left alone'));

      // Another model: every chunk, two per request and transaction.
      llm.reset();
      progress.length = 0;
      const other = resolveEmbedder('openai-compatible/other-embed', { OPENAI_COMPATIBLE_BASE_URL: llm.url });
      const second = await embedMissingChunks(db, DEFAULT_PROJECT_ID, [sourceId], other, { batch: 2, onProgress: (p) => progress.push(p) });
      assert.equal(second.chunks, 3);
      assert.ok(second.tokens > 0);
      assert.deepEqual(progress, [{ done: 2, total: 3 }, { done: 3, total: 3 }]);
      assert.deepEqual(llm.embeddingRequests.map((r) => (r.input as string[]).length), [2, 1]);

      // Nothing left to do.
      llm.reset();
      assert.equal((await embedMissingChunks(db, DEFAULT_PROJECT_ID, [sourceId], other)).chunks, 0);
      assert.equal(llm.embeddingRequests.length, 0);
    });

    test('embedMissingChunks keeps the batches done before a failure', async () => {
      await replaceDocument(db, doc('a.md', [chunk('one', 0), chunk('two', 1), chunk('three', 2)]));
      const embedder = resolveEmbedder(MODEL, { OPENAI_COMPATIBLE_BASE_URL: llm.url }, { maxRetries: 0 });
      llm.enqueue({}, { status: 400, message: 'too long' });
      await assert.rejects(embedMissingChunks(db, DEFAULT_PROJECT_ID, [sourceId], embedder, { batch: 1 }), /HTTP 400/);
      assert.equal((await vectorsOf('a.md')).length, 1);
      const rest = await embedMissingChunks(db, DEFAULT_PROJECT_ID, [sourceId], embedder, { batch: 1 });
      assert.equal(rest.chunks, 2);
      assert.deepEqual((await vectorsOf('a.md')).map((r) => r.position), [0, 1, 2]);
    });

    describe('search', () => {
      // Three documents of ten chunks in the searched source, one document in another source, and
      // the same chunks under a second model: filters and models must keep them apart.
      // The outer beforeEach moves sourceId and MODEL on for every test, so these have their own.
      const model = 'openai-compatible/search-embed';
      let searched: number;
      let otherSource: number;
      let vectors: Map<number, number[]>;
      let documentOf: Map<number, number>;
      const search = (query: Omit<VectorQuery, 'projectId' | 'model'> & { model?: string }) =>
        searchVectors(db, { projectId: DEFAULT_PROJECT_ID, sourceIds: [searched], model, ...query });
      before(async () => {
        searched = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'support', name: 'search' });
        otherSource = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'support', name: 'search-other' });
        const tenChunks = (d: number) => Array.from({ length: 10 }, (_, i) => chunk(`doc ${d} chunk ${i}`, i));
        await replaceDocuments(db, [0, 1, 2].map((d) => doc(`d${d}.md`, tenChunks(d), { sourceId: searched, embeddings: { model, vectors: Array.from({ length: 10 }, randomVector) } })));
        await replaceDocument(db, doc('x.md', [chunk('elsewhere', 0)], { sourceId: otherSource, embeddings: { model, vectors: [randomVector()] } }));
        await db.query(`INSERT INTO knowledge_chunk_embeddings (project_id, chunk_id, source_id, document_id, model, dims, embedding)
          SELECT project_id, chunk_id, source_id, document_id, 'openai/other', dims, embedding FROM knowledge_chunk_embeddings WHERE source_id = $1`, [searched]);
        const rows = await db.query<{ chunk_id: number; document_id: number; embedding: number[] }>(
          `SELECT chunk_id, document_id, embedding FROM knowledge_chunk_embeddings WHERE source_id = $1 AND model = $2`,
          [searched, model],
        );
        vectors = new Map(rows.map((r) => [Number(r.chunk_id), r.embedding]));
        documentOf = new Map(rows.map((r) => [Number(r.chunk_id), Number(r.document_id)]));
      });

      /** Every chunk of the searched source by cosine similarity to q, computed here in float64. */
      const reference = (q: number[]) => {
        const unit = normalizeVector(q);
        return [...vectors].map(([chunkId, v]) => ({ chunkId, documentId: documentOf.get(chunkId)!, similarity: dot(unit, v) / norm(v) }))
          .sort((a, b) => b.similarity - a.similarity || a.chunkId - b.chunkId);
      };
      const methods = () => (db.capabilities.vector ? ['pgvector', 'sql'] as const : ['sql'] as const);

      test('ranks every chunk by cosine similarity, by pgvector and by plain SQL alike', async () => {
        for (let i = 0; i < 10; i++) {
          const q = randomVector().map((x) => x * 5); // any length: the query is normalised
          for (const exact of methods()) assertSameRanking(await search({ vector: q, k: 100, exact }), reference(q));
        }
      });

      test('returns the best k, ties broken by chunk id', async () => {
        const q = randomVector();
        for (const exact of methods()) assertSameRanking(await search({ vector: q, k: 5, exact }), reference(q).slice(0, 5));
        // A query equal to a stored vector finds that chunk first with similarity 1.
        const [id, v] = [...vectors][4];
        for (const exact of methods()) {
          const [best] = await search({ vector: v, k: 1, exact });
          assert.equal(best.chunkId, id);
          assert.ok(Math.abs(best.similarity - 1) < 1e-6);
        }
      });

      test('drops hits below minSimilarity and keeps one chunk per document on request', async () => {
        const q = randomVector();
        const expected = reference(q);
        const floor = expected[7].similarity - 1e-4;
        for (const exact of methods()) {
          assertSameRanking(await search({ vector: q, k: 100, minSimilarity: floor, exact }), expected.filter((h) => h.similarity >= floor));
          const perDocument = expected.filter((h, i) => expected.findIndex((o) => o.documentId === h.documentId) === i);
          assertSameRanking(await search({ vector: q, k: 100, onePerDocument: true, exact }), perDocument);
          assert.equal((await search({ vector: q, k: 2, onePerDocument: true, exact })).length, 2);
        }
      });

      test('searches only the sources asked for, and only vectors of the model asked for', async () => {
        const q = randomVector();
        const all = await searchVectors(db, { projectId: DEFAULT_PROJECT_ID, model: model, vector: q, k: 100 });
        assert.equal(all.length, 31, 'all of the project’s sources when none are named');
        assert.equal((await searchVectors(db, { projectId: DEFAULT_PROJECT_ID, sourceIds: [otherSource], model: model, vector: q, k: 100 })).length, 1);
        assert.deepEqual(await search({ vector: q, k: 5, sourceIds: [] }), []);
        assert.deepEqual(await search({ vector: q, k: 5, model: 'openai/unknown' }), []);
        assert.deepEqual(await searchVectors(db, { projectId: 'no-such-project', model: model, vector: q, k: 5 }), []);
        // The copied vectors under another model are searched on their own.
        assertSameRanking(await search({ vector: q, k: 100, model: 'openai/other' }), reference(q));
      });

      test('a query vector of another size, or none, is refused naming the dims', async () => {
        await assert.rejects(search({ vector: [1, 2, 3], k: 5 }), (err: unknown) => {
          assert.ok(err instanceof InputError);
          assert.equal(err.message, `the query vector has 3 dims but the stored vectors of ${model} have ${DIMS}`);
          assert.equal(err.issues[0].path, 'vector');
          return true;
        });
        await assert.rejects(search({ vector: [], k: 5 }), /query vector is empty/);
        await assert.rejects(search({ vector: [0, 0], k: 5 }), /zero vector/);
        await assert.rejects(search({ vector: randomVector(), k: 0 }), /k must be a whole number/);
        await assert.rejects(search({ vector: randomVector(), k: 5, minSimilarity: 2 }), /minSimilarity must be a number from -1 to 1/);
      });

      test('plain SQL is used where pgvector is missing, and asking for pgvector there is refused', async () => {
        const q = randomVector();
        // A transaction is not a Db: without being told, it searches in plain SQL, with the same result.
        const inTx = await db.transaction((tx) => searchVectors(tx, { projectId: DEFAULT_PROJECT_ID, sourceIds: [searched], model: model, vector: q, k: 10 }));
        assertSameRanking(inTx, reference(q).slice(0, 10));
        if (!db.capabilities.vector) await assert.rejects(search({ vector: q, k: 5, exact: 'pgvector' }), /pgvector is not installed/);
      });
    });
  });
}
