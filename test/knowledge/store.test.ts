import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { InputError, NotFoundError } from '../../src/core/errors.ts';
import type { Chunk } from '../../src/knowledge/contracts.ts';
import {
  deleteMissing,
  diffDocuments,
  documentHashes,
  ensureSource,
  replaceDocument,
  replaceDocuments,
  sourceIdsByName,
  type DocumentInput,
} from '../../src/knowledge/store.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { storeVariants } from '../helpers/stores.ts';

const chunk = (text: string, position: number, over: Partial<Chunk> = {}): Chunk => ({
  text,
  title: 'Returns policy',
  sectionPath: [],
  position,
  tokens: text.split(' ').length,
  ...over,
});

interface StoredChunk {
  position: number;
  title: string;
  section_path: string[];
  text: string;
  tokens: number;
  location: unknown;
  length: number;
  title_length: number;
}

for (const variant of storeVariants()) {
  describe(`knowledge store on ${variant.name}`, () => {
    let db: Db;
    let sourceId: number;
    let n = 0;
    before(async () => {
      db = await variant.open();
    });
    after(() => db.close());
    beforeEach(async () => {
      // A fresh source per test keeps the tests independent on one store.
      sourceId = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'support', name: `docs-${++n}` });
    });

    const doc = (path: string, chunks: Chunk[], over: Partial<DocumentInput> = {}): DocumentInput => ({
      projectId: DEFAULT_PROJECT_ID,
      sourceId,
      path,
      title: 'Returns policy',
      contentHash: `hash-of-${path}`,
      bytes: 100,
      metadata: { format: 'markdown' },
      chunks,
      ...over,
    });

    const chunksOf = (path: string) =>
      db.query<StoredChunk>(
        `SELECT c.position, c.title, c.section_path, c.text, c.tokens, c.location, c.length, c.title_length
         FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
         WHERE d.source_id = $1 AND d.path = $2 ORDER BY c.position`,
        [sourceId, path],
      );

    /** The source's statistics next to the same figures counted from its chunks: they must agree. */
    const statsAndTruth = async () => {
      const [stats] = await db.query(`SELECT chunk_count, body_chunks, body_length, titled_chunks, title_length FROM knowledge_sources WHERE id = $1`, [sourceId]);
      const [truth] = await db.query(
        `SELECT count(*)::int AS chunk_count, count(*) FILTER (WHERE length > 0)::int AS body_chunks, coalesce(sum(length), 0)::int AS body_length,
           count(*) FILTER (WHERE title_length > 0)::int AS titled_chunks, coalesce(sum(title_length), 0)::int AS title_length
         FROM knowledge_chunks WHERE source_id = $1`,
        [sourceId],
      );
      return { stats: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, Number(v)])), truth };
    };

    test('ensureSource returns the same id for the same agent and name, and another for another agent', async () => {
      const again = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'support', name: `docs-${n}` });
      assert.equal(again, sourceId);
      const other = await ensureSource(db, { projectId: DEFAULT_PROJECT_ID, agentName: 'sales', name: `docs-${n}` });
      assert.notEqual(other, sourceId);
      assert.deepEqual(await sourceIdsByName(db, DEFAULT_PROJECT_ID, 'support', [`docs-${n}`, 'nope']), new Map([[`docs-${n}`, sourceId]]));
    });

    test('a stored document keeps its chunks with section paths, locations and text-search lengths', async () => {
      const stored = await replaceDocument(db, doc('returns.md', [
        chunk('Items can be returned within 30 days of delivery.', 0, { sectionPath: ['Returns', 'Window'], location: { line: 3 } }),
        chunk('Refunds are issued to the original payment method.', 1, { sectionPath: ['Refunds'], location: { line: 9 } }),
      ]));
      assert.equal(stored.chunks, 2);
      assert.equal(stored.path, 'returns.md');
      const chunks = await chunksOf('returns.md');
      assert.deepEqual(chunks.map((c) => [c.position, c.section_path, c.location, c.text]), [
        [0, ['Returns', 'Window'], { line: 3 }, 'Items can be returned within 30 days of delivery.'],
        [1, ['Refunds'], { line: 9 }, 'Refunds are issued to the original payment method.'],
      ]);
      // "Items can be returned within 30 days of delivery": can, be, of are stop words.
      assert.equal(chunks[0].length, 6);
      // Title field: "Returns policy" + "Returns" + "Window".
      assert.equal(chunks[0].title_length, 4);
      const [row] = await db.query<{ title: string; content_hash: string; bytes: number; metadata: unknown }>(
        `SELECT title, content_hash, bytes, metadata FROM knowledge_documents WHERE id = $1`,
        [stored.documentId],
      );
      assert.deepEqual({ ...row, bytes: Number(row.bytes) }, { title: 'Returns policy', content_hash: 'hash-of-returns.md', bytes: 100, metadata: { format: 'markdown' } });
      const { stats, truth } = await statsAndTruth();
      assert.deepEqual(stats, truth);
      assert.equal(stats.chunk_count, 2);
    });

    test('replacing a document swaps all its chunks and postings for the new ones', async () => {
      await replaceDocument(db, doc('faq.md', [chunk('Shipping takes three days.', 0), chunk('Express shipping takes one day.', 1), chunk('We ship worldwide.', 2)]));
      const second = await replaceDocument(db, doc('faq.md', [chunk('Delivery takes two days.', 0)], { contentHash: 'v2' }));
      assert.deepEqual((await chunksOf('faq.md')).map((c) => c.text), ['Delivery takes two days.']);
      const terms = await db.query<{ term: string }>(`SELECT term FROM knowledge_chunk_terms WHERE document_id = $1 ORDER BY term`, [second.documentId]);
      assert.deepEqual(terms.map((t) => t.term), ['day', 'deliveri', 'polici', 'return', 'take', 'two']);
      const [{ orphans }] = await db.query<{ orphans: number }>(
        `SELECT count(*)::int AS orphans FROM knowledge_chunk_terms t WHERE t.source_id = $1 AND t.document_id <> $2`,
        [sourceId, second.documentId],
      );
      assert.equal(orphans, 0);
      assert.deepEqual(await documentHashes(db, sourceId), new Map([['faq.md', 'v2']]));
      const { stats, truth } = await statsAndTruth();
      assert.deepEqual(stats, truth);
      assert.equal(stats.chunk_count, 1);
    });

    test('a replacement that fails part-way leaves the previous version whole', async () => {
      await replaceDocuments(db, [
        doc('a.md', [chunk('Version one of a.', 0)], { contentHash: 'a1' }),
        doc('b.md', [chunk('Version one of b.', 0), chunk('More of b.', 1)], { contentHash: 'b1' }),
      ]);
      const before = await statsAndTruth();
      // The old versions are deleted first; the database then refuses b's new chunk (its token
      // count is missing) while inserting, so the whole batch has to roll back.
      await assert.rejects(
        replaceDocuments(db, [
          doc('a.md', [chunk('Version two of a.', 0)], { contentHash: 'a2' }),
          doc('b.md', [chunk('Version two of b.', 0, { tokens: Number.NaN })], { contentHash: 'b2' }),
        ]),
        /tokens/,
      );
      assert.deepEqual(await documentHashes(db, sourceId), new Map([['a.md', 'a1'], ['b.md', 'b1']]));
      assert.deepEqual((await chunksOf('a.md')).map((c) => c.text), ['Version one of a.']);
      assert.deepEqual((await chunksOf('b.md')).map((c) => c.text), ['Version one of b.', 'More of b.']);
      assert.deepEqual(await statsAndTruth(), before);
    });

    test('an incremental ingest skips unchanged documents, replaces changed ones and deletes removed ones', async () => {
      await replaceDocuments(db, [
        doc('keep.md', [chunk('Unchanged text.', 0)], { contentHash: 'k1' }),
        doc('edit.md', [chunk('Old text.', 0)], { contentHash: 'e1' }),
        doc('gone.md', [chunk('Soon removed.', 0)], { contentHash: 'g1' }),
      ]);
      const ids = async () =>
        new Map((await db.query<{ path: string; id: number }>(`SELECT path, id FROM knowledge_documents WHERE source_id = $1`, [sourceId])).map((r) => [r.path, Number(r.id)]));
      const firstIds = await ids();

      const incoming = [
        { path: 'keep.md', contentHash: 'k1' },
        { path: 'edit.md', contentHash: 'e2' },
        { path: 'new.md', contentHash: 'n1' },
      ];
      const plan = diffDocuments(await documentHashes(db, sourceId), incoming);
      assert.deepEqual(plan, { added: ['new.md'], changed: ['edit.md'], unchanged: ['keep.md'], removed: ['gone.md'] });

      for (const path of [...plan.added, ...plan.changed]) {
        const hash = incoming.find((i) => i.path === path)!.contentHash;
        await replaceDocument(db, doc(path, [chunk(`New text of ${path}.`, 0)], { contentHash: hash }));
      }
      assert.deepEqual(await deleteMissing(db, sourceId, incoming.map((i) => i.path)), ['gone.md']);

      const secondIds = await ids();
      assert.equal(secondIds.get('keep.md'), firstIds.get('keep.md'), 'an unchanged document is not rewritten');
      assert.notEqual(secondIds.get('edit.md'), firstIds.get('edit.md'));
      assert.equal(secondIds.has('gone.md'), false);
      assert.deepEqual(await documentHashes(db, sourceId), new Map([['keep.md', 'k1'], ['edit.md', 'e2'], ['new.md', 'n1']]));
      assert.deepEqual((await chunksOf('edit.md')).map((c) => c.text), ['New text of edit.md.']);
      const [{ postings }] = await db.query<{ postings: number }>(
        `SELECT count(*)::int AS postings FROM knowledge_chunk_terms WHERE document_id = $1`,
        [firstIds.get('gone.md')],
      );
      assert.equal(postings, 0);
      const { stats, truth } = await statsAndTruth();
      assert.deepEqual(stats, truth);
      assert.equal(stats.chunk_count, 3);
    });

    test('NUL characters, which PostgreSQL text cannot hold, are dropped from stored text', async () => {
      await replaceDocument(db, doc('pdf.md', [chunk('Page\u0000 one', 0, { title: 'Scan\u0000ned', sectionPath: ['Intro\u0000'] })]));
      const [c] = await chunksOf('pdf.md');
      assert.deepEqual([c.text, c.title, c.section_path], ['Page one', 'Scanned', ['Intro']]);
    });

    test('deleting a source removes its documents, chunks and postings', async () => {
      await replaceDocument(db, doc('x.md', [chunk('Something to delete.', 0)]));
      await db.query(`DELETE FROM knowledge_sources WHERE id = $1`, [sourceId]);
      const [{ left }] = await db.query<{ left: number }>(
        `SELECT (SELECT count(*) FROM knowledge_documents WHERE source_id = $1) + (SELECT count(*) FROM knowledge_chunks WHERE source_id = $1)
           + (SELECT count(*) FROM knowledge_chunk_terms WHERE source_id = $1) AS left`,
        [sourceId],
      );
      assert.equal(Number(left), 0);
    });

    test('writing to a source of another project is refused as not found', async () => {
      await db.query(`INSERT INTO projects (id, name) VALUES ('other', 'Other') ON CONFLICT DO NOTHING`);
      await assert.rejects(replaceDocument(db, doc('x.md', [chunk('text', 0)], { projectId: 'other' })), NotFoundError);
      assert.deepEqual(await documentHashes(db, sourceId), new Map());
    });

    test('a batch naming a path twice or repeating a chunk position is refused before anything is written', async () => {
      await assert.rejects(replaceDocuments(db, [doc('d.md', [chunk('one', 0)]), doc('d.md', [chunk('two', 0)])]), (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.issues[0].path, 'documents[1].path');
        return true;
      });
      await assert.rejects(replaceDocument(db, doc('e.md', [chunk('one', 0), chunk('two', 0)])), /two chunks at position 0/);
      assert.deepEqual(await documentHashes(db, sourceId), new Map());
    });
  });
}

test('diffDocuments sorts each list and treats a hash change as a change', () => {
  const stored = new Map([['b', '1'], ['a', '1'], ['c', '1']]);
  assert.deepEqual(diffDocuments(stored, [{ path: 'c', contentHash: '2' }, { path: 'a', contentHash: '1' }, { path: 'z', contentHash: '1' }]), {
    added: ['z'],
    changed: ['c'],
    unchanged: ['a'],
    removed: ['b'],
  });
});
