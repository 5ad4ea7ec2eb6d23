import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import { searchBm25, type Bm25Hit } from '../../src/knowledge/bm25.ts';
import type { Chunk } from '../../src/knowledge/contracts.ts';
import { ensureSource, optimizeForSearch, replaceDocument } from '../../src/knowledge/store.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { storeVariants } from '../helpers/stores.ts';

interface Doc {
  source: 'manuals' | 'blog';
  path: string;
  title: string;
  chunks: { text: string; sectionPath?: string[] }[];
}

const CORPUS: Doc[] = [
  {
    source: 'manuals',
    path: 'espresso.md',
    title: 'Espresso machine manual',
    chunks: [
      { text: 'Fill the water tank and wait until the boiler reaches brewing temperature.', sectionPath: ['Setup'] },
      { text: 'Grind the coffee finely. Tamp the coffee evenly; uneven coffee beds cause channeling.', sectionPath: ['Brewing'] },
      { text: 'Descale the boiler every month with citric acid. Rinse the water tank afterwards.', sectionPath: ['Care', 'Descaling'] },
    ],
  },
  {
    source: 'manuals',
    path: 'grinder.md',
    title: 'Burr grinder guide',
    chunks: [
      { text: 'Burr grinders crush beans to an even size; blade grinders chop them unevenly.' },
      { text: 'Brush the burrs weekly so old coffee oils do not go rancid.', sectionPath: ['Cleaning'] },
    ],
  },
  { source: 'blog', path: 'cold-brew.md', title: 'Cold brew at home', chunks: [{ text: 'Steep coarse coffee in cold water for sixteen hours, then filter it twice.' }] },
  { source: 'blog', path: 'tea.md', title: '', chunks: [{ text: 'Green tea prefers water well below boiling; steep it for two minutes.' }] },
  { source: 'blog', path: 'milk.md', title: 'Steaming milk', chunks: [{ text: 'Stretch the milk, then roll it into microfoam. Stop before the milk boils.' }] },
];

interface RefChunk {
  chunkId: number;
  documentId: number;
  source: number;
  body: Map<string, number>;
  title: Map<string, number>;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * The textbook Okapi BM25 with Lucene's IDF, summed over the title and body fields, computed here
 * from the analyzer's lexemes — an independent check of the SQL.
 */
function referenceScores(chunks: RefChunk[], query: Map<string, number>, k1: number, b: number): Map<number, number> {
  const fields = ['body', 'title'] as const;
  const stats = Object.fromEntries(fields.map((f) => {
    const present = chunks.filter((c) => sum(c[f]) > 0);
    return [f, { n: present.length, avg: present.reduce((a, c) => a + sum(c[f]), 0) / present.length }];
  })) as Record<'body' | 'title', { n: number; avg: number }>;
  const scores = new Map<number, number>();
  for (const c of chunks) {
    let score = 0;
    let matched = false;
    for (const [term, qtf] of query) {
      for (const f of fields) {
        const tf = c[f].get(term) ?? 0;
        if (tf === 0) continue;
        matched = true;
        const df = chunks.filter((x) => x[f].has(term)).length;
        const idf = Math.log(1 + (stats[f].n - df + 0.5) / (df + 0.5));
        score += qtf * idf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * sum(c[f])) / stats[f].avg));
      }
    }
    if (matched) scores.set(c.chunkId, score);
  }
  return scores;
}

for (const variant of storeVariants()) {
  describe(`BM25 on ${variant.name}`, () => {
    let db: Db;
    const sources: Record<Doc['source'], number> = { manuals: 0, blog: 0 };
    let refChunks: RefChunk[] = [];

    /** What the PostgreSQL 'english' analyzer makes of a text: lexeme → occurrences. */
    const lexemes = async (text: string) =>
      new Map((await db.query<{ lexeme: string; n: number }>(`SELECT lexeme, array_length(positions, 1) AS n FROM unnest(to_tsvector('english', $1))`, [text]))
        .map((r) => [r.lexeme, r.n]));

    before(async () => {
      db = await variant.open();
      for (const name of ['manuals', 'blog'] as const) sources[name] = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'barista', name });
      for (const doc of CORPUS) {
        const chunks: Chunk[] = doc.chunks.map((c, i) => ({ text: c.text, title: doc.title, sectionPath: c.sectionPath ?? [], position: i, tokens: 20 }));
        const stored = await replaceDocument(db, {
          projectId: DEFAULT_PROJECT_ID, sourceId: sources[doc.source], path: doc.path, title: doc.title, contentHash: doc.path, bytes: 1, chunks,
        });
        const ids = await db.query<{ id: number }>(`SELECT id FROM knowledge_chunks WHERE document_id = $1 ORDER BY position`, [stored.documentId]);
        for (const [i, c] of chunks.entries()) {
          refChunks.push({
            chunkId: Number(ids[i].id), documentId: stored.documentId, source: sources[doc.source],
            body: await lexemes(c.text), title: await lexemes([c.title, ...c.sectionPath].join('\n')),
          });
        }
      }
      // The same tenant's other project holds a matching chunk that must never be seen or counted.
      await db.query(`INSERT INTO projects (id, name) VALUES ('elsewhere', 'Elsewhere') ON CONFLICT DO NOTHING`);
      const foreign = await ensureSource(db, { projectId: 'elsewhere', agentName: 'barista', name: 'manuals' });
      await replaceDocument(db, {
        projectId: 'elsewhere', sourceId: foreign, path: 'x.md', title: 'Coffee coffee', contentHash: 'x', bytes: 1,
        chunks: [{ text: 'coffee coffee coffee water boiler', title: 'Coffee coffee', sectionPath: [], position: 0, tokens: 5 }],
      });
      await optimizeForSearch(db);
    });
    after(() => db.close());

    const cases: { query: string; k1?: number; b?: number; only?: Doc['source'] }[] = [
      { query: 'coffee water' },
      { query: 'descaling the boiler' },
      { query: 'coffee coffee grinder' },
      { query: 'how to steep cold brew coffee', k1: 1.2, b: 0.75 },
      { query: 'water boiling', only: 'blog' },
      { query: 'burr cleaning brush', k1: 0, b: 0 },
      { query: 'milk coffee tea', b: 1 },
    ];
    for (const c of cases) {
      const label = `${c.query}${c.k1 !== undefined ? ` (k1 ${c.k1}, b ${c.b})` : c.b !== undefined ? ` (b ${c.b})` : ''}${c.only ? ` in ${c.only} only` : ''}`;
      test(`scores equal the textbook formula for "${label}"`, async () => {
        const k1 = c.k1 ?? 0.9;
        const b = c.b ?? 0.4;
        const pool = c.only ? refChunks.filter((r) => r.source === sources[c.only!]) : refChunks;
        const expected = referenceScores(pool, await lexemes(c.query), k1, b);
        const hits = await searchBm25(db, {
          projectId: DEFAULT_PROJECT_ID, query: c.query, k: 100, k1: c.k1, b: c.b, sourceIds: c.only ? [sources[c.only]] : undefined,
        });
        assert.ok(expected.size > 0, 'the case must match something');
        assert.equal(hits.length, expected.size);
        for (const hit of hits) {
          assert.ok(expected.has(hit.chunkId), `chunk ${hit.chunkId} should not match`);
          assert.ok(Math.abs(hit.score - expected.get(hit.chunkId)!) < 1e-9, `chunk ${hit.chunkId}: ${hit.score} vs ${expected.get(hit.chunkId)}`);
        }
        assert.deepEqual(hits.map((h) => h.rank), hits.map((_, i) => i + 1));
        for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
      });
    }

    const pathOf = async (hit: Bm25Hit) =>
      (await db.query<{ path: string; position: number }>(
        `SELECT d.path, c.position FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id WHERE c.id = $1`,
        [hit.chunkId],
      ))[0];

    test('the chunk about the question ranks first, found through its section heading too', async () => {
      const [top] = await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'how often should I descale?', k: 3 });
      assert.deepEqual(await pathOf(top), { path: 'espresso.md', position: 2 });
      const [byTitle] = await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'cleaning', k: 1 });
      assert.deepEqual(await pathOf(byTitle), { path: 'grinder.md', position: 1 });
    });

    test('onePerDocument keeps each document once, by its best chunk', async () => {
      const all = await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'coffee water', k: 10 });
      const perDoc = await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'coffee water', k: 10, onePerDocument: true });
      assert.equal(new Set(perDoc.map((h) => h.documentId)).size, perDoc.length);
      assert.ok(all.length > perDoc.length);
      for (const hit of perDoc) {
        const best = all.find((h) => h.documentId === hit.documentId)!;
        assert.deepEqual([hit.chunkId, hit.score], [best.chunkId, best.score]);
      }
    });

    test('k and minScore cut the list', async () => {
      const all = await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'coffee water', k: 100 });
      assert.deepEqual(await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'coffee water', k: 2 }), all.slice(0, 2));
      const floor = all[2].score;
      const above = await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'coffee water', k: 100, minScore: floor });
      assert.deepEqual(above.map((h) => h.chunkId), all.filter((h) => h.score >= floor).map((h) => h.chunkId));
    });

    test('a query of stop words or unknown words finds nothing, as does an empty source list', async () => {
      assert.deepEqual(await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'the of and it', k: 5 }), []);
      assert.deepEqual(await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'zeppelin', k: 5 }), []);
      assert.deepEqual(await searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'coffee', k: 5, sourceIds: [] }), []);
    });

    test('another project sees only its own chunk', async () => {
      const hits = await searchBm25(db, { projectId: 'elsewhere', query: 'coffee water', k: 10 });
      assert.equal(hits.length, 1);
      assert.ok(!refChunks.some((r) => r.chunkId === hits[0].chunkId));
    });

    test('bad parameters are refused naming the parameter', async () => {
      for (const [opts, path] of [[{ k: 0 }, 'k'], [{ k: 5, k1: -1 }, 'k1'], [{ k: 5, b: 1.5 }, 'b']] as const) {
        await assert.rejects(searchBm25(db, { projectId: DEFAULT_PROJECT_ID, query: 'coffee', ...opts }), (err: unknown) => {
          assert.ok(err instanceof InputError);
          assert.equal(err.issues[0].path, path);
          return true;
        });
      }
    });
  });
}
