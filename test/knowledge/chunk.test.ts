import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import { chunkBlocks, chunkDocument, resolveChunking } from '../../src/knowledge/chunk.ts';
import type { Chunk, DocumentBlock, ParsedDocument } from '../../src/knowledge/contracts.ts';
import { countTokens } from '../../src/models/tokens.ts';

const doc = (blocks: DocumentBlock[]): ParsedDocument => ({ title: 'Guide', blocks, metadata: {} });
const heading = (level: number, text: string, line?: number): DocumentBlock => ({ kind: 'heading', level, text, ...(line ? { location: { line } } : {}) });
const para = (text: string, line?: number): DocumentBlock => ({ kind: 'paragraph', text, ...(line ? { location: { line } } : {}) });

/** Numbered sentences, so every sentence is recognisable in the chunks. */
const sentences = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `Sentence number ${from + i} says something about returns and refunds.`);

function assertWithinLimits(chunks: Chunk[], maxTokens: number) {
  for (const chunk of chunks) {
    assert.equal(chunk.tokens, countTokens(chunk.text), `chunk ${chunk.position} reports its exact token count`);
    assert.ok(chunk.tokens <= maxTokens, `chunk ${chunk.position} has ${chunk.tokens} > ${maxTokens} tokens`);
  }
  assert.deepEqual(chunks.map((c) => c.position), chunks.map((_, i) => i));
}

test('packs the blocks of a section together and starts a new chunk at every heading', () => {
  const chunks = chunkDocument(
    doc([
      heading(1, 'Returns', 1),
      para('Unused items can be returned.', 3),
      para('Bring the receipt.', 5),
      heading(2, 'Refunds', 7),
      para('Refunds take five days.', 9),
      heading(1, 'Shipping', 11),
      para('We ship worldwide.', 13),
    ]),
    { title: 'Store policy' },
  );
  assert.deepEqual(chunks, [
    { text: 'Unused items can be returned.\n\nBring the receipt.', title: 'Store policy', sectionPath: ['Returns'], position: 0, tokens: countTokens('Unused items can be returned.\n\nBring the receipt.'), location: { line: 3 } },
    { text: 'Refunds take five days.', title: 'Store policy', sectionPath: ['Returns', 'Refunds'], position: 1, tokens: countTokens('Refunds take five days.'), location: { line: 9 } },
    { text: 'We ship worldwide.', title: 'Store policy', sectionPath: ['Shipping'], position: 2, tokens: countTokens('We ship worldwide.'), location: { line: 13 } },
  ]);
});

test('section paths follow heading levels: a sibling replaces, a deeper heading nests', () => {
  const chunks = chunkDocument(
    doc([heading(1, 'A'), heading(2, 'B'), heading(3, 'C'), para('in C'), heading(2, 'D'), para('in D'), heading(4, 'E'), para('in E'), heading(1, 'F'), para('in F')]),
    { title: 'Guide' },
  );
  assert.deepEqual(chunks.map((c) => [c.text, c.sectionPath]), [
    ['in C', ['A', 'B', 'C']],
    ['in D', ['A', 'D']],
    ['in E', ['A', 'D', 'E']],
    ['in F', ['F']],
  ]);
});

test('text before the first heading has an empty section path', () => {
  const [chunk] = chunkDocument(doc([para('Preamble.')]), { title: 'notes.txt' });
  assert.deepEqual(chunk.sectionPath, []);
  assert.equal(chunk.title, 'notes.txt');
});

test('splits an over-long paragraph at sentence boundaries, every part within maxTokens', () => {
  const text = sentences(1, 40).join(' ');
  const chunks = chunkDocument(doc([heading(1, 'Policy'), para(text, 4)]), { title: 'Guide', chunking: { maxTokens: 60, overlapTokens: 0 } });
  assert.ok(chunks.length > 5);
  assertWithinLimits(chunks, 60);
  for (const chunk of chunks) {
    assert.match(chunk.text, /^Sentence number \d+ .*\.$/s, 'each part starts and ends on a sentence boundary');
    assert.deepEqual(chunk.location, { line: 4 });
    assert.deepEqual(chunk.sectionPath, ['Policy']);
  }
  assert.equal(chunks.map((c) => c.text).join(' '), text);
});

test('repeats the tail of the previous chunk within a section, but never across a heading', () => {
  const chunks = chunkDocument(
    doc([heading(1, 'One'), para(sentences(1, 30).join(' ')), heading(1, 'Two'), para(sentences(100, 30).join(' '))]),
    { title: 'Guide', chunking: { maxTokens: 80, overlapTokens: 20 } },
  );
  assertWithinLimits(chunks, 80);
  for (let i = 1; i < chunks.length; i++) {
    const [previous, chunk] = [chunks[i - 1], chunks[i]];
    const firstOfSection = previous.sectionPath.join() !== chunk.sectionPath.join();
    const opening = chunk.text.split('\n\n')[0];
    if (firstOfSection) {
      assert.ok(!chunk.text.includes('\n\n'), 'the first chunk of a section has no overlap');
      assert.ok(!previous.text.endsWith(opening));
    } else {
      assert.ok(previous.text.endsWith(opening), `chunk ${i} opens with the end of chunk ${i - 1}`);
      assert.ok(countTokens(opening) <= 20, 'the overlap stays within overlapTokens');
      assert.ok(countTokens(opening) >= 10, 'the overlap uses most of overlapTokens');
    }
  }
  assert.ok(chunks.some((c, i) => i > 0 && c.text.includes('\n\n')), 'some chunk carries overlap');
});

const TABLE_HEADER = 'Item | Price | Window';
const tableRows = (n: number) => Array.from({ length: n }, (_, i) => `Item ${i + 1} | ${i + 10} EUR | 30 days`);

test('keeps a table whole when it fits, alongside the paragraph before it', () => {
  const table: DocumentBlock = { kind: 'table', text: [TABLE_HEADER, ...tableRows(4)].join('\n'), location: { line: 8 } };
  const chunks = chunkDocument(doc([heading(1, 'Prices'), para('All prices include tax.', 6), table]), { title: 'Guide' });
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0].text, `All prices include tax.\n\n${table.text}`);
});

test('splits a large table by rows, repeating the header row in every part, without overlap', () => {
  const rows = tableRows(80);
  const table: DocumentBlock = { kind: 'table', text: [TABLE_HEADER, ...rows].join('\n'), location: { line: 8 } };
  const chunks = chunkDocument(doc([heading(1, 'Prices'), para('Intro.'), table, para('After the table.')]), {
    title: 'Guide',
    chunking: { maxTokens: 120, overlapTokens: 30 },
  });
  assertWithinLimits(chunks, 120);
  const tableChunks = chunks.filter((c) => c.text.includes('EUR'));
  assert.ok(tableChunks.length > 3);
  const seen: string[] = [];
  for (const chunk of tableChunks) {
    const lines = chunk.text.split('\n\n').find((part) => part.startsWith(TABLE_HEADER))!.split('\n');
    assert.equal(lines[0], TABLE_HEADER);
    seen.push(...lines.slice(1));
  }
  assert.deepEqual(seen, rows, 'every row appears once, in order');
  for (const row of rows) {
    assert.equal(chunks.filter((c) => c.text.includes(`${row}\n`) || c.text.endsWith(row)).length, 1, `"${row}" is not repeated as overlap`);
  }
  assert.ok(chunks.at(-1)!.text.endsWith('After the table.'));
});

test('splits a long list or code block by lines', () => {
  const items = Array.from({ length: 60 }, (_, i) => `- Step ${i + 1}: check the parcel label and the order number`);
  const chunks = chunkDocument(doc([{ kind: 'list', text: items.join('\n') }]), { title: 'Guide', chunking: { maxTokens: 100, overlapTokens: 0 } });
  assertWithinLimits(chunks, 100);
  assert.ok(chunks.length > 3);
  assert.deepEqual(chunks.flatMap((c) => c.text.split('\n')), items);
});

test('cuts a single word longer than a chunk by characters', () => {
  const blob = 'QUJD'.repeat(800);
  const chunks = chunkDocument(doc([para(blob)]), { title: 'Guide', chunking: { maxTokens: 60, overlapTokens: 0 } });
  assertWithinLimits(chunks, 60);
  assert.equal(chunks.map((c) => c.text).join(''), blob);
});

test('every chunk of a mixed document stays within maxTokens with overlap on', () => {
  const blocks: DocumentBlock[] = [];
  for (let s = 0; s < 6; s++) {
    blocks.push(heading(1 + (s % 3), `Section ${s}`));
    blocks.push(para(sentences(s * 100, 3 + s * 4).join(' ')));
    blocks.push({ kind: 'list', text: Array.from({ length: s * 3 + 1 }, (_, i) => `- point ${i} of section ${s}`).join('\n') });
    blocks.push({ kind: 'table', text: [TABLE_HEADER, ...tableRows(s * 6 + 2)].join('\n') });
    blocks.push({ kind: 'code', text: Array.from({ length: s * 5 + 1 }, (_, i) => `run --step ${i}`).join('\n') });
  }
  for (const [maxTokens, overlapTokens] of [[50, 24], [120, 30], [350, 40]]) {
    assertWithinLimits(chunkDocument(doc(blocks), { title: 'Guide', chunking: { maxTokens, overlapTokens } }), maxTokens);
  }
});

test('chunkBlocks produces the same chunks from a block stream as chunkDocument from the whole document', async () => {
  const blocks = [heading(1, 'One'), para(sentences(1, 25).join(' ')), { kind: 'table' as const, text: [TABLE_HEADER, ...tableRows(30)].join('\n') }, heading(2, 'Two'), para('Short.')];
  async function* stream() {
    yield* blocks;
  }
  const options = { title: 'Guide', chunking: { maxTokens: 90, overlapTokens: 20 } };
  const streamed: Chunk[] = [];
  for await (const chunk of chunkBlocks(stream(), options)) streamed.push(chunk);
  assert.deepEqual(streamed, chunkDocument(doc(blocks), options));
});

test('fills in defaults and rejects invalid options, naming the field', () => {
  assert.deepEqual(resolveChunking(), { maxTokens: 350, overlapTokens: 40 });
  assert.deepEqual(resolveChunking({ maxTokens: 500 }), { maxTokens: 500, overlapTokens: 40 });
  const rejects = (options: Record<string, number>, path: string) =>
    assert.throws(
      () => chunkDocument(doc([para('x')]), { title: 'Guide', chunking: options }),
      (err: unknown) => err instanceof InputError && err.issues.some((i) => i.path === path) && err.message.includes(path),
      JSON.stringify(options),
    );
  rejects({ maxTokens: 49 }, 'chunking.maxTokens');
  rejects({ maxTokens: 120.5 }, 'chunking.maxTokens');
  rejects({ maxTokens: 100, overlapTokens: 50 }, 'chunking.overlapTokens');
  rejects({ overlapTokens: -1 }, 'chunking.overlapTokens');
  rejects({ overlapTokens: 2.5 }, 'chunking.overlapTokens');
  assert.deepEqual(resolveChunking({ maxTokens: 100, overlapTokens: 49 }), { maxTokens: 100, overlapTokens: 49 });
});
