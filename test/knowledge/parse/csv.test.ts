import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DocumentBlock } from '../../../src/knowledge/contracts.ts';
import { openCsv } from '../../../src/knowledge/parse/csv.ts';
import { IngestFileError } from '../../../src/knowledge/parse/errors.ts';

async function read(...pieces: string[]) {
  async function* source() {
    yield* pieces;
  }
  const doc = await openCsv('prices.csv', source());
  const blocks: DocumentBlock[] = [];
  for await (const block of doc.blocks) blocks.push(block);
  return { metadata: doc.metadata, blocks };
}

test('turns each row into "header: value" pairs, keeping quoted commas, escaped quotes, row and line numbers', async () => {
  const { blocks, metadata } = await read(
    'sku,name,description,price\r\n',
    'W-1,"Widget, large","The ""big"" one",10\r\n',
    '\r\nG-2,Gadget,,5\r\n,,,\r\nM-3,"Multi\nline",Two lines,7\r\n',
  );
  assert.deepEqual(blocks, [
    { kind: 'paragraph', text: 'sku: W-1; name: Widget, large; description: The "big" one; price: 10', location: { row: 2, line: 2 } },
    { kind: 'paragraph', text: 'sku: G-2; name: Gadget; price: 5', location: { row: 3, line: 4 } },
    { kind: 'paragraph', text: 'sku: M-3; name: Multi\nline; description: Two lines; price: 7', location: { row: 4, line: 6 } },
  ]);
  assert.deepEqual(metadata, { columns: ['sku', 'name', 'description', 'price'], rows: 3 });
});

test('detects semicolon and tab delimiters from the header line', async () => {
  const semi = await read('name;price\n"Tea; green";3,50\n');
  assert.equal(semi.blocks[0].text, 'name: Tea; green; price: 3,50');
  const tab = await read('name\tprice\nCoffee, dark\t4\n');
  assert.equal(tab.blocks[0].text, 'name: Coffee, dark; price: 4');
});

test('names unnamed columns and cells beyond the header by position', async () => {
  const { blocks } = await read('name,,\nA,b,c,d\n');
  assert.equal(blocks[0].text, 'name: A; column 2: b; column 3: c; column 4: d');
});

test('reports an unterminated quote as a corrupt CSV naming the file and line', async () => {
  await assert.rejects(read('name,price\nTea,3\n"Coffee,4\n'), (err: unknown) => {
    assert.ok(err instanceof IngestFileError);
    assert.equal(err.reason, 'corrupt');
    assert.match(err.message, /^prices\.csv: not a readable CSV: .*line/i);
    return true;
  });
});
