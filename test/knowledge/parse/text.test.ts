import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DocumentBlock } from '../../../src/knowledge/contracts.ts';
import { lineBatches } from '../../../src/knowledge/parse/read.ts';
import { textBlocks } from '../../../src/knowledge/parse/text.ts';

async function blocksOf(...pieces: string[]): Promise<DocumentBlock[]> {
  async function* source() {
    yield* pieces;
  }
  const out: DocumentBlock[] = [];
  for await (const block of textBlocks(lineBatches(source()))) out.push(block);
  return out;
}

test('splits plain text into paragraphs on blank lines, with the line each starts on', async () => {
  const blocks = await blocksOf('Opening hours\nMonday to Friday, 9 to 5.\n\n\n   \nClosed on public holidays.   \n\f\nLast line');
  assert.deepEqual(blocks, [
    { kind: 'paragraph', text: 'Opening hours\nMonday to Friday, 9 to 5.', location: { line: 1 } },
    { kind: 'paragraph', text: 'Closed on public holidays.', location: { line: 6 } },
    { kind: 'paragraph', text: 'Last line', location: { line: 8 } },
  ]);
});

test('reads Windows and old Mac line endings, also when a CRLF is split between two reads', async () => {
  const blocks = await blocksOf('First line\r', '\nsecond line\r\n\r\nThird\rfourth\r');
  assert.deepEqual(blocks, [
    { kind: 'paragraph', text: 'First line\nsecond line', location: { line: 1 } },
    { kind: 'paragraph', text: 'Third\nfourth', location: { line: 4 } },
  ]);
});

test('emits a paragraph with no blank line in sight in bounded pieces', async () => {
  const line = 'A sentence that keeps going without a blank line anywhere. ';
  const blocks = await blocksOf(Array.from({ length: 5000 }, () => line).join('\n'));
  assert.ok(blocks.length > 1, 'a 300 KB paragraph is not one block');
  assert.ok(blocks.every((b) => b.text.length <= 70 * 1024));
  assert.equal(blocks.map((b) => b.text).join('\n').split('\n').length, 5000);
});
