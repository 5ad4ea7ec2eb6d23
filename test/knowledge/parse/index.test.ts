import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { IngestFileError } from '../../../src/knowledge/parse/errors.ts';
import { SUPPORTED_EXTENSIONS, openDocument, parseFile } from '../../../src/knowledge/parse/index.ts';
import { docxParagraph, makeDocx, makePdf, tempDir, writeFixture } from './fixtures.ts';

const dir = await tempDir();
const pdf = await makePdf({ title: 'Warranty', pages: [{ heading: 'Coverage', paragraphs: ['Two years on all parts.'] }] });

function failure(reason: IngestFileError['reason'], message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof IngestFileError, String(err));
    assert.equal(err.code, 'unreadable_file');
    assert.equal(err.status, 400);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    assert.equal(err.issues[0].file, err.file);
    return true;
  };
}

test('parses every supported extension with the parser for its format', async () => {
  const files: Record<string, string | Uint8Array> = {
    'guide.md': '# Guide\n\nRead me.\n',
    'guide.markdown': '# Guide\n\nRead me.\n',
    'notes.txt': 'Read me.\n',
    'notes.text': 'Read me.\n',
    'page.html': '<title>Guide</title><p>Read me.</p>',
    'page.htm': '<title>Guide</title><p>Read me.</p>',
    'manual.pdf': pdf,
    'rows.csv': 'text\nRead me.\n',
    'manual.docx': makeDocx(docxParagraph('Guide', 'Heading1') + docxParagraph('Read me.')),
  };
  assert.deepEqual(Object.keys(files).map((name) => name.slice(name.lastIndexOf('.'))), [...SUPPORTED_EXTENSIONS]);
  for (const [name, content] of Object.entries(files)) {
    const doc = await parseFile(await writeFixture(dir, name, content));
    const text = doc.blocks.map((b) => b.text).join('\n');
    assert.match(text, name.endsWith('.pdf') ? /Two years on all parts\./ : /Read me\./, name);
  }
  assert.equal((await parseFile(join(dir, 'manual.pdf'))).title, 'Warranty');
  assert.deepEqual((await parseFile(join(dir, 'rows.csv'))).metadata, { columns: ['text'], rows: 1 });
});

test('matches the extension case-insensitively', async () => {
  const doc = await parseFile(await writeFixture(dir, 'README.MD', '# Upper\n\nCase.\n'));
  assert.equal(doc.title, 'Upper');
});

test('reports an unsupported type by name and lists the supported ones', async () => {
  const path = await writeFixture(dir, 'sheet.xyz', 'a,b\n');
  await assert.rejects(parseFile(path), failure('unsupported_type', /sheet\.xyz: unsupported file type "\.xyz"; supported: \.md, \.markdown, \.txt, \.text, \.html, \.htm, \.pdf, \.csv, \.docx$/));
  await assert.rejects(openDocument(await writeFixture(dir, 'Makefile', 'all:\n')), failure('unsupported_type', /Makefile: unsupported file type \(no extension\)/));
});

test('reports an empty file, and a file with no text in it, as empty', async () => {
  await assert.rejects(parseFile(await writeFixture(dir, 'empty.md', '')), failure('empty', /empty\.md: file is empty \(0 bytes\)/));
  await assert.rejects(parseFile(await writeFixture(dir, 'blank.txt', '\n  \n\t\n')), failure('empty', /blank\.txt: contains no text to ingest/));
  await assert.rejects(parseFile(await writeFixture(dir, 'header-only.csv', 'name,price\n')), failure('empty', /header-only\.csv: contains no text/));
  await assert.rejects(parseFile(await writeFixture(dir, 'chrome.html', '<nav>Home</nav><script>x()</script>')), failure('empty', /chrome\.html: contains no text/));
});

test('refuses binary junk in a text format when the file is opened', async () => {
  const junk = randomBytes(64 * 1024);
  for (const name of ['junk.txt', 'junk.md', 'junk.csv', 'junk.html']) {
    await assert.rejects(openDocument(await writeFixture(dir, name, junk)), failure('binary', new RegExp(`${name.replace('.', '\\.')}: contains binary data`)));
  }
});

test('reports a missing file and a folder as unreadable', async () => {
  await assert.rejects(parseFile(join(dir, 'gone.txt')), failure('unreadable', /gone\.txt: cannot read: no such file/));
  const folder = join(dir, 'folder.md');
  await mkdir(folder);
  await assert.rejects(parseFile(folder), failure('unreadable', /folder\.md: cannot read: it is a directory/));
});

test('refuses a PDF, DOCX or HTML file over maxBytes, giving both sizes', async () => {
  const page = await writeFixture(dir, 'long.html', `<p>${'word '.repeat(5000)}</p>`);
  await assert.rejects(openDocument(page, { maxBytes: 10_000 }), failure('too_large', /long\.html: too large \(24 KB > 10 KB limit\)/));
  await assert.rejects(openDocument(join(dir, 'manual.pdf'), { maxBytes: 1000 }), failure('too_large', /manual\.pdf: too large \(\d+ KB > 1000 bytes limit\)/));
  await assert.rejects(openDocument(join(dir, 'manual.docx'), { maxBytes: 100 }), failure('too_large', /manual\.docx: too large/));
});

test('openDocument streams a text file larger than maxBytes, which parseFile refuses', async () => {
  const path = await writeFixture(dir, 'long.txt', 'A paragraph of text.\n\n'.repeat(2000));
  await assert.rejects(parseFile(path, { maxBytes: 10_000 }), failure('too_large', /long\.txt: too large \(43 KB > 10 KB limit\)/));
  const doc = await openDocument(path, { maxBytes: 10_000 });
  let count = 0;
  for await (const block of doc.blocks) count += block.text === 'A paragraph of text.' ? 1 : 0;
  assert.equal(count, 2000);
});

test('rejects a maxBytes that is not a positive whole number', async () => {
  await assert.rejects(parseFile(join(dir, 'notes.txt'), { maxBytes: 0 }), (err: unknown) => err instanceof InputError && /maxBytes/.test(err.message));
});

test('in a batch, each bad file is reported by name and reason and the others are parsed', async () => {
  const batch = join(dir, 'batch');
  await mkdir(batch);
  const files = [
    await writeFixture(batch, 'faq.md', '# FAQ\n\nAsk us anything.\n'),
    await writeFixture(batch, 'cut.pdf', pdf.subarray(0, Math.floor(pdf.length / 2))),
    await writeFixture(batch, 'locked.pdf', await makePdf({ userPassword: 'pw', pages: [{ paragraphs: ['Secret.'] }] })),
    await writeFixture(batch, 'empty.txt', ''),
    await writeFixture(batch, 'junk.txt', randomBytes(2048)),
    await writeFixture(batch, 'photo.jpg', randomBytes(2048)),
    await writeFixture(batch, 'broken.docx', 'PK\u0003\u0004 not really a zip'),
    await writeFixture(batch, 'prices.csv', 'item,price\nTea,3\n'),
  ];
  const parsed: string[] = [];
  const failed: Record<string, string> = {};
  for (const file of files) {
    try {
      await parseFile(file);
      parsed.push(basename(file));
    } catch (err) {
      if (!(err instanceof IngestFileError)) throw err;
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      failed[basename(file)] = err.reason;
    }
  }
  assert.deepEqual(parsed, ['faq.md', 'prices.csv']);
  assert.deepEqual(failed, {
    'cut.pdf': 'corrupt',
    'locked.pdf': 'password_protected',
    'empty.txt': 'empty',
    'junk.txt': 'binary',
    'photo.jpg': 'unsupported_type',
    'broken.docx': 'corrupt',
  });
});

async function writeRepeated(path: string, header: string, unit: string, megabytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write(header);
  const repeats = Math.ceil((1024 * 1024) / unit.length);
  const chunk = Buffer.from(unit.repeat(repeats));
  for (let i = 0; i < megabytes; i++) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return repeats * megabytes;
}

// Resource bound, not a timing test: a 200 MB text file (plus a 20 MB CSV and an 8 MB markdown
// file) must be read as a stream. The child gets a 48 MB old-generation heap, so holding any of
// these files whole (or a token tree of the whole markdown) would crash it, and small young
// generations, so garbage is collected promptly and resident memory measures what the reader keeps;
// that must grow by less than 150 MB while it reads the 200 MB file.
test('streams a 200 MB text file, a 20 MB CSV and an 8 MB markdown file with bounded memory', async () => {
  const big = join(dir, 'big');
  await mkdir(big);
  const paragraph = 'Customers may return unused items within thirty days of delivery for a full refund.\nRefunds reach the original payment method within five business days.\n\n';
  const expected = {
    txt: await writeRepeated(join(big, 'huge.txt'), '', paragraph, 200),
    csv: await writeRepeated(join(big, 'rows.csv'), 'sku,name,description\n', 'W-1,"Widget, large","A big widget, and a sturdy one"\n', 20),
    md: 2 * (await writeRepeated(join(big, 'long.md'), '', '## Returns\n\nSome **words** about returns.\n\n', 8)),
  };
  const script = `
    import { openDocument } from ${JSON.stringify(new URL('../../../src/knowledge/parse/index.ts', import.meta.url).href)};
    const result = {};
    for (const name of ['huge.txt', 'rows.csv', 'long.md']) {
      const base = process.memoryUsage().rss;
      let peak = base, blocks = 0;
      const doc = await openDocument(${JSON.stringify(big)} + '/' + name, { maxBytes: 1024 * 1024 });
      for await (const block of doc.blocks) if (++blocks % 5000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      result[name] = { blocks, growthMb: Math.round((peak - base) / 1e6) };
    }
    console.log(JSON.stringify(result));`;
  const child = spawn(process.execPath, ['--max-old-space-size=48', '--max-semi-space-size=8', '--input-type=module', '--eval', script]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'close');
  assert.equal(code, 0, `the reader ran out of memory or failed:\n${stderr.slice(-2000)}`);
  const result = JSON.parse(stdout) as Record<string, { blocks: number; growthMb: number }>;
  assert.equal(result['huge.txt'].blocks, expected.txt);
  assert.equal(result['rows.csv'].blocks, expected.csv);
  assert.equal(result['long.md'].blocks, expected.md);
  assert.ok(result['huge.txt'].growthMb < 150, `resident memory grew by ${result['huge.txt'].growthMb} MB reading 200 MB`);
});
