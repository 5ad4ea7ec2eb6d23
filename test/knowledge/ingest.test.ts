import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Embedder } from '../../src/knowledge/contracts.ts';
import { declaredSource, ingestPaths, syncAgentKnowledge, type IngestProgress } from '../../src/knowledge/ingest.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { storeVariants } from '../helpers/stores.ts';
import { tempAgent, writeEveryFormat, type TempAgent } from './ingest-agent.ts';
import { makePdf } from './parse/fixtures.ts';

interface DocRow {
  id: number;
  path: string;
  title: string;
  content_hash: string;
  metadata: Record<string, unknown>;
}

interface ChunkRow {
  path: string;
  title: string;
  section_path: string[];
  position: number;
  text: string;
}

let n = 0;
const agents: TempAgent[] = [];
after(() => Promise.all(agents.map((a) => a.remove())));

/** An agent with a fresh name, so tests sharing one store never see each other's documents. */
async function newAgent(sources: Parameters<typeof tempAgent>[1] = [{ name: 'docs', path: 'knowledge' }]): Promise<TempAgent> {
  const agent = await tempAgent(`ingest-${++n}`, sources);
  agents.push(agent);
  return agent;
}

for (const variant of storeVariants()) {
  describe(`knowledge ingestion on ${variant.name}`, () => {
    let db: Db;
    before(async () => (db = await variant.open()));
    after(() => db.close());

    const documents = async (agent: string, source = 'docs') =>
      db.query<DocRow>(
        `SELECT d.id, d.path, d.title, d.content_hash, d.metadata FROM knowledge_documents d JOIN knowledge_sources s ON s.id = d.source_id
         WHERE s.agent_name = $1 AND s.name = $2 ORDER BY d.path`,
        [agent, source],
      );
    const chunks = async (agent: string, source = 'docs') =>
      db.query<ChunkRow>(
        `SELECT d.path, c.title, c.section_path, c.position, c.text FROM knowledge_chunks c
         JOIN knowledge_documents d ON d.id = c.document_id JOIN knowledge_sources s ON s.id = d.source_id
         WHERE s.agent_name = $1 AND s.name = $2 ORDER BY d.path, c.position`,
        [agent, source],
      );

    test('stores every format of a folder as documents whose chunks keep title, section path and position', async () => {
      const temp = await newAgent([{ name: 'docs', path: 'knowledge', baseUrl: 'https://help.example.com/docs/' }]);
      await writeEveryFormat(temp, 'knowledge');
      const agent = await temp.load();
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);

      assert.deepEqual(summary.failed, []);
      assert.deepEqual(summary.documents, { added: 6, changed: 0, unchanged: 0, removed: 0 });
      const docs = await documents(agent.definition.name);
      assert.deepEqual(docs.map((d) => d.path), ['guides/setup.html', 'manual.docx', 'notes.txt', 'prices.csv', 'returns.md', 'warranty.pdf']);
      const byPath = new Map(docs.map((d) => [d.path, d]));
      assert.equal(byPath.get('returns.md')!.title, 'Returns policy');
      assert.equal(byPath.get('notes.txt')!.title, 'notes.txt');
      assert.equal(byPath.get('warranty.pdf')!.title, 'Warranty');
      assert.equal(byPath.get('guides/setup.html')!.metadata.file, 'knowledge/guides/setup.html');
      assert.equal(byPath.get('guides/setup.html')!.metadata.link, 'https://help.example.com/docs/guides/setup.html');
      assert.equal(byPath.get('prices.csv')!.metadata.rows, 2);

      const stored = await chunks(agent.definition.name);
      assert.equal(summary.chunks, stored.length);
      const refunds = stored.find((c) => c.text.includes('within 14 days'))!;
      assert.deepEqual([refunds.title, refunds.section_path], ['Returns policy', ['Returns policy', 'Refunds']]);
      const exchanges = stored.find((c) => c.text.includes('Exchanges are free'))!;
      assert.equal(exchanges.position, refunds.position + 1);
      const battery = stored.find((c) => c.path === 'manual.docx' && c.text.includes('twenty hours'))!;
      assert.deepEqual(battery.section_path, ['Manual', 'Battery']);
      assert.ok(stored.some((c) => c.path === 'guides/setup.html' && c.section_path.join(' › ') === 'Setup › Pairing'));
      assert.ok(stored.some((c) => c.path === 'warranty.pdf' && c.text.includes('Two years')));
      assert.deepEqual(summary.sources[0].stored, { documents: 6, chunks: stored.length });
    });

    test('skips every document on a second run when nothing changed', async () => {
      const temp = await newAgent();
      await writeEveryFormat(temp, 'knowledge');
      const agent = await temp.load();
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      const before = await documents(agent.definition.name);
      const again = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      assert.deepEqual(again.documents, { added: 0, changed: 0, unchanged: 6, removed: 0 });
      assert.equal(again.chunks, 0);
      assert.deepEqual(await documents(agent.definition.name), before);
    });

    test('replaces only the document whose file changed', async () => {
      const temp = await newAgent();
      await writeEveryFormat(temp, 'knowledge');
      const agent = await temp.load();
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      const before = new Map((await documents(agent.definition.name)).map((d) => [d.path, d.id]));
      await temp.write('knowledge/notes.txt', 'Support is now open around the clock.\n');
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      assert.deepEqual(summary.documents, { added: 0, changed: 1, unchanged: 5, removed: 0 });
      const after = new Map((await documents(agent.definition.name)).map((d) => [d.path, d.id]));
      for (const [path, id] of before) {
        if (path === 'notes.txt') assert.notEqual(after.get(path), id);
        else assert.equal(after.get(path), id, path);
      }
      const notes = (await chunks(agent.definition.name)).filter((c) => c.path === 'notes.txt');
      assert.deepEqual(notes.map((c) => c.text), ['Support is now open around the clock.']);
    });

    test('deletes the document of a file that was removed', async () => {
      const temp = await newAgent();
      await writeEveryFormat(temp, 'knowledge');
      const agent = await temp.load();
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      await rm(join(temp.dir, 'knowledge/guides'), { recursive: true });
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      assert.equal(summary.documents.removed, 1);
      assert.ok(!(await documents(agent.definition.name)).some((d) => d.path === 'guides/setup.html'));
      assert.ok(!(await chunks(agent.definition.name)).some((c) => c.path === 'guides/setup.html'));
    });

    test('reports each bad file by name with its reason and ingests the rest', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/good.md', '# Good\n\nThis one is fine.\n');
      await temp.write('knowledge/broken.pdf', '%PDF-1.7\nthis is not really a PDF at all\n%%EOF\n');
      await temp.write('knowledge/locked.pdf', await makePdf({ userPassword: 'secret', pages: [{ paragraphs: ['Salaries.'] }] }));
      await temp.write('knowledge/empty.txt', '');
      await temp.write('knowledge/junk.txt', randomBytes(4096));
      await temp.write('knowledge/photo.jpg', randomBytes(64));
      await temp.write('knowledge/.hidden.md', '# Hidden\n\nNot for ingestion.\n');
      const agent = await temp.load();
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);

      const reasons = Object.fromEntries(summary.failed.map((f) => [f.file, f.reason]));
      assert.deepEqual(Object.keys(reasons).sort(), ['knowledge/broken.pdf', 'knowledge/empty.txt', 'knowledge/junk.txt', 'knowledge/locked.pdf']);
      assert.match(reasons['knowledge/broken.pdf'], /not a readable PDF/);
      assert.match(reasons['knowledge/locked.pdf'], /password/);
      assert.match(reasons['knowledge/empty.txt'], /empty/);
      assert.match(reasons['knowledge/junk.txt'], /binary/);
      assert.deepEqual(summary.ignored, [{ file: 'knowledge/photo.jpg', reason: 'unsupported file type ".jpg"' }]);
      assert.deepEqual((await documents(agent.definition.name)).map((d) => d.path), ['good.md']);

      // named directly, an unsupported file is a failure rather than ignored
      const direct = await ingestPaths(db, DEFAULT_PROJECT_ID, agent, 'docs', [join(temp.dir, 'knowledge/photo.jpg')]);
      assert.equal(direct.failed.length, 1);
      assert.equal(direct.failed[0].file, 'knowledge/photo.jpg');
      assert.match(direct.failed[0].reason, /unsupported file type "\.jpg"; supported: \.md/);
    });

    test('refuses a PDF, DOCX or HTML file over the size limit by name without reading it, and streams text of any size', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/big.txt', 'A sentence about shipping. '.repeat(4000));
      await temp.write('knowledge/big.html', `<html><body>${'<p>A paragraph about returns.</p>'.repeat(3000)}</body></html>`);
      await temp.write('knowledge/small.md', '# Small\n\nFine.\n');
      const agent = await temp.load();
      const bySize = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { maxBytes: 50_000 });
      assert.deepEqual(bySize.failed.map((f) => f.file), ['knowledge/big.html']);
      assert.equal(bySize.failed[0].reason, 'too large (97 KB > 49 KB limit)');
      assert.deepEqual((await documents(agent.definition.name)).map((d) => d.path), ['big.txt', 'small.md']);
    });

    test('refuses a document whose text passes the character limit, keeping nothing of it', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/big.txt', 'A sentence about shipping. '.repeat(4000));
      await temp.write('knowledge/small.md', '# Small\n\nFine.\n');
      const agent = await temp.load();
      const byText = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { maxChars: 20_000 });
      assert.deepEqual(byText.failed.map((f) => f.file), ['knowledge/big.txt']);
      assert.match(byText.failed[0].reason, /more than 20000 characters of text/);
      assert.deepEqual((await documents(agent.definition.name)).map((d) => d.path), ['small.md']);
    });

    test('stores a document of many batches whole, with every chunk in order', async () => {
      const temp = await newAgent();
      const sections = Array.from({ length: 300 }, (_, i) => `## Section ${i}\n\n${`Paragraph ${i} explains topic number ${i} in detail. `.repeat(30)}\n`);
      await temp.write('knowledge/long.md', `# Long\n\n${sections.join('\n')}`);
      const agent = await temp.load();
      const seen: number[] = [];
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { onProgress: (p) => p.current === 'knowledge/long.md' && seen.push(p.chunks) });
      assert.deepEqual(summary.failed, []);
      assert.ok(summary.chunks > 256, `more chunks (${summary.chunks}) than one batch holds`);
      assert.ok(new Set(seen).size >= 3, `progress moves within the file: ${seen.join(', ')}`);
      const rows = await db.query<{ position: number }>(
        `SELECT c.position FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id WHERE d.path = 'long.md' AND d.project_id = $1 ORDER BY c.position`,
        [DEFAULT_PROJECT_ID],
      );
      assert.equal(rows.length, summary.chunks);
      assert.deepEqual(rows.map((r) => r.position), rows.map((_, i) => i));

      // A failure in a late batch, after earlier batches of the new version were written, keeps the old version whole.
      await db.query(`CREATE FUNCTION refuse_late() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.text LIKE '%LATEFAIL%' THEN RAISE EXCEPTION 'could not write chunk: disk full'; END IF; RETURN NEW; END $$`);
      await db.query(`CREATE TRIGGER refuse_late BEFORE INSERT ON knowledge_chunks FOR EACH ROW EXECUTE FUNCTION refuse_late()`);
      try {
        sections[290] = `## Section 290\n\nLATEFAIL here.\n`;
        await temp.write('knowledge/long.md', `# Long, second version\n\n${sections.join('\n')}`);
        const failed = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
        assert.deepEqual(failed.failed.map((f) => f.file), ['knowledge/long.md']);
        const after = await db.query<{ n: number; title: string }>(
          `SELECT count(*)::int AS n, min(c.title) AS title FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id WHERE d.path = 'long.md' AND d.project_id = $1`,
          [DEFAULT_PROJECT_ID],
        );
        assert.deepEqual(after[0], { n: summary.chunks, title: 'Long' });
      } finally {
        await db.query(`DROP TRIGGER refuse_late ON knowledge_chunks`);
        await db.query(`DROP FUNCTION refuse_late()`);
      }
    });

    test('keeps the previous version of a document whose storing fails, and stores the others', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/a.md', '# A\n\nFirst version of a.\n');
      await temp.write('knowledge/b.md', '# B\n\nFirst version of b.\n');
      const agent = await temp.load();
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      const before = await documents(agent.definition.name);

      // A real failure inside the transaction, after the old chunks were deleted and the new document row written.
      await db.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.text LIKE '%POISON%' THEN RAISE EXCEPTION 'could not write chunk: disk full'; END IF; RETURN NEW; END $$`);
      await db.query(`CREATE TRIGGER refuse_poison BEFORE INSERT ON knowledge_chunks FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
      try {
        await temp.write('knowledge/a.md', '# A\n\nSecond version of a, with POISON.\n');
        await temp.write('knowledge/b.md', '# B\n\nSecond version of b.\n');
        const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
        assert.deepEqual(summary.failed.map((f) => f.file), ['knowledge/a.md']);
        assert.match(summary.failed[0].reason, /disk full/);
        assert.equal(summary.documents.changed, 1);
      } finally {
        await db.query(`DROP TRIGGER refuse_poison ON knowledge_chunks`);
        await db.query(`DROP FUNCTION refuse_poison()`);
      }
      const after = await documents(agent.definition.name);
      assert.deepEqual(after.find((d) => d.path === 'a.md'), before.find((d) => d.path === 'a.md'));
      const texts = (await chunks(agent.definition.name)).map((c) => c.text);
      assert.deepEqual(texts, ['First version of a.', 'Second version of b.']);
    });

    test('reports a missing source path and deletes nothing of what the source holds', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/a.md', '# A\n\nText.\n');
      const agent = await temp.load();
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      await rm(join(temp.dir, 'knowledge'), { recursive: true });
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      assert.deepEqual(summary.failed, [{ file: 'knowledge', reason: 'no such file or folder' }]);
      assert.equal(summary.documents.removed, 0);
      assert.deepEqual((await documents(agent.definition.name)).map((d) => d.path), ['a.md']);
    });

    test('follows a symbolic link loop without walking forever', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/sub/a.md', '# A\n\nText.\n');
      await symlink(join(temp.dir, 'knowledge'), join(temp.dir, 'knowledge/sub/loop'), 'dir');
      const agent = await temp.load();
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      assert.deepEqual(summary.failed, []);
      assert.deepEqual((await documents(agent.definition.name)).map((d) => d.path), ['sub/a.md']);
    });

    test('keys a single-file source by its file name and re-chunks when its chunking changes', async () => {
      const temp = await newAgent([{ name: 'docs', path: 'faq.md', chunking: { maxTokens: 300 } }]);
      await temp.write('faq.md', `# FAQ\n\n${'Shipping takes three days. '.repeat(40)}\n`);
      const first = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, await temp.load());
      assert.deepEqual([first.documents.added, first.chunks], [1, 1]);
      const smaller = await newAgentYaml(temp, 'docs', 'faq.md', 60);
      const second = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, smaller);
      assert.equal(second.documents.changed, 1);
      assert.ok(second.chunks > 1);
      assert.deepEqual((await documents(smaller.definition.name)).map((d) => d.path), ['faq.md']);
    });

    test('ingests explicit paths: inside the source as a sync would, from elsewhere as added documents a sync keeps', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/a.md', '# A\n\nText a.\n');
      await temp.write('knowledge/sub/b.md', '# B\n\nText b.\n');
      await temp.write('elsewhere/extra/c.md', '# C\n\nText c.\n');
      const agent = await temp.load();
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);

      // a folder inside the source: its vanished documents are deleted, nothing outside it
      await rm(join(temp.dir, 'knowledge/sub/b.md'));
      await temp.write('knowledge/sub/d.md', '# D\n\nText d.\n');
      const inside = await ingestPaths(db, DEFAULT_PROJECT_ID, agent, 'docs', [join(temp.dir, 'knowledge/sub')]);
      assert.deepEqual(inside.documents, { added: 1, changed: 0, unchanged: 0, removed: 1 });
      assert.deepEqual((await documents(agent.definition.name)).map((d) => d.path), ['a.md', 'sub/d.md']);

      const outside = await ingestPaths(db, DEFAULT_PROJECT_ID, agent, 'docs', [join(temp.dir, 'elsewhere/extra')]);
      assert.equal(outside.documents.added, 1);
      const extra = (await documents(agent.definition.name)).find((d) => d.path === 'extra/c.md')!;
      assert.equal(extra.metadata.origin, 'added');

      const synced = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
      assert.deepEqual(synced.documents, { added: 0, changed: 0, unchanged: 2, removed: 0 });
      assert.deepEqual((await documents(agent.definition.name)).map((d) => d.path), ['a.md', 'extra/c.md', 'sub/d.md']);
    });

    test('embeds chunks in batches of at most 64 and stores one vector per chunk', async () => {
      const temp = await newAgent();
      await temp.write('knowledge/many.md', Array.from({ length: 130 }, (_, i) => `## Section ${i}\n\nFact number ${i} about the product.\n`).join('\n'));
      const calls: number[] = [];
      const embedder: Embedder = {
        ref: 'openai-compatible/test-embed',
        async embed(texts) {
          calls.push(texts.length);
          return { vectors: texts.map((t) => (t.length % 2 ? [1, 0, 0] : [0, 1, 0])), tokens: texts.length * 5, costUsd: 0.001 };
        },
      };
      const agent = await temp.load();
      const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { embedder });
      assert.deepEqual(summary.failed, []);
      assert.deepEqual(calls, [64, 64, 2]);
      assert.deepEqual(summary.embedding, { model: 'openai-compatible/test-embed', tokens: 650, costUsd: 0.003 });
      const [{ count }] = await db.query<{ count: number | string }>(
        `SELECT count(*) AS count FROM knowledge_chunk_embeddings e JOIN knowledge_sources s ON s.id = e.source_id WHERE s.agent_name = $1 AND e.model = $2`,
        [agent.definition.name, embedder.ref],
      );
      assert.equal(Number(count), 130);
      // unchanged with the same model: nothing is embedded again
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { embedder });
      assert.equal(calls.length, 3);
    });

    test('reports progress up to every file, ending with the done phase', async () => {
      const temp = await newAgent();
      await writeEveryFormat(temp, 'knowledge');
      const seen: IngestProgress[] = [];
      await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, await temp.load(), { onProgress: (p) => seen.push(p) });
      assert.equal(seen[0].phase, 'scanning');
      const last = seen.at(-1)!;
      assert.deepEqual([last.phase, last.filesDone, last.filesTotal, last.documents, last.failed], ['done', 6, 6, 6, 0]);
      assert.ok(last.chunks > 0 && last.bytes > 0);
      assert.ok(seen.some((p) => p.phase === 'ingesting' && p.current === 'knowledge/returns.md'));
    });
  });
}

/** Rewrites the agent file with another chunk size for its one source and loads it. */
async function newAgentYaml(temp: TempAgent, source: string, path: string, maxTokens: number) {
  const agent = await temp.load();
  await writeFile(
    join(temp.dir, 'agent.yaml'),
    [
      `name: ${agent.definition.name}`,
      'description: A test agent with knowledge.',
      'topics:',
      '  - name: help',
      '    description: Questions about the product.',
      'knowledge:',
      `  - name: ${source}`,
      `    path: ${path}`,
      '    chunking:',
      `      maxTokens: ${maxTokens}`,
      '      overlapTokens: 10',
      '',
    ].join('\n'),
  );
  return temp.load();
}

test('declaredSource names the declared sources when the name is unknown or missing', async () => {
  const temp = await newAgent([{ name: 'faq', path: 'faq.md' }, { name: 'manuals', path: 'manuals.md' }]);
  await temp.write('faq.md', '# FAQ\n');
  await temp.write('manuals.md', '# Manuals\n');
  const agent = await temp.load();
  assert.equal(declaredSource(agent, 'manuals').name, 'manuals');
  assert.throws(() => declaredSource(agent, undefined, '--source'), /2 knowledge sources; name one with --source: faq, manuals/);
  assert.throws(() => declaredSource(agent, 'nope'), /no knowledge source "nope"; declared: faq, manuals/);
});
