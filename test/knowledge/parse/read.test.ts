import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { IngestFileError } from '../../../src/knowledge/parse/errors.ts';
import { MAX_LINE_CHARS, decodeWhole, lineBatches, readText } from '../../../src/knowledge/parse/read.ts';
import { tempDir, writeFixture } from './fixtures.ts';

const dir = await tempDir();

async function textOf(path: string): Promise<string> {
  let out = '';
  for await (const piece of readText(path)) out += piece;
  return out;
}

test('decodes UTF-8, UTF-8 with BOM, UTF-16 with BOM and legacy Latin-1 text', async () => {
  const expected = 'Crème brûlée, 5 €\n';
  const utf8 = await writeFixture(dir, 'utf8.txt', expected);
  const bom = await writeFixture(dir, 'bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(expected)]));
  const utf16 = await writeFixture(dir, 'utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(expected, 'utf16le')]));
  const latin1 = await writeFixture(dir, 'latin1.txt', Buffer.from([...Buffer.from('Cr'), 0xe8, ...Buffer.from('me br'), 0xfb, ...Buffer.from('l'), 0xe9, ...Buffer.from('e, 5 '), 0x80, 0x0a]));
  for (const path of [utf8, bom, utf16, latin1]) assert.equal(await textOf(path), expected, path);
});

test('refuses random bytes as binary, naming the file', async () => {
  const junk = await writeFixture(dir, 'junk.txt', randomBytes(4096));
  await assert.rejects(textOf(junk), (err: unknown) => {
    assert.ok(err instanceof IngestFileError);
    assert.equal(err.reason, 'binary');
    assert.match(err.message, /junk\.txt: contains binary data/);
    return true;
  });
  assert.throws(() => decodeWhole('junk.html', randomBytes(4096)), /junk\.html: contains binary data/);
});

test('refuses binary data that starts after the first megabyte of text', async () => {
  const text = Buffer.from('plain words here\n'.repeat(70_000));
  const path = await writeFixture(dir, 'late-junk.txt', Buffer.concat([text, Buffer.from([0, 1, 2, 0, 0])]));
  await assert.rejects(textOf(path), /late-junk\.txt: contains binary data \(NUL byte at offset 1190000\)/);
});

test('refuses bytes that have no NUL but are mostly control characters', async () => {
  const controls = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? 0x01 + (i % 7) : 0x41)));
  const path = await writeFixture(dir, 'controls.md', controls);
  await assert.rejects(textOf(path), /controls\.md: contains binary data \(\d+% control characters\)/);
});

test('cuts a line longer than the limit so a file without line breaks stays bounded', async () => {
  async function* source() {
    for (let i = 0; i < 3; i++) yield 'x'.repeat(MAX_LINE_CHARS);
    yield 'tail\nnext';
  }
  const lines: string[] = [];
  for await (const batch of lineBatches(source())) lines.push(...batch);
  assert.ok(lines.every((line) => line.length <= MAX_LINE_CHARS));
  assert.equal(lines.join('').length, 3 * MAX_LINE_CHARS + 'tailnext'.length);
  assert.equal(lines.at(-1), 'next');
});
