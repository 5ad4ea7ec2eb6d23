import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { parseCsv, readLabeledCsv } from '../../../src/models/local/router/csv.ts';

let dir: string;
before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'router-csv-'))));
after(async () => rm(dir, { recursive: true, force: true }));

async function csvFile(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const err = await promise.then(
    () => assert.fail('expected an InputError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof InputError, String(err));
  return err;
}

describe('parseCsv', () => {
  it('keeps commas, newlines and doubled quotes inside quoted fields', () => {
    const records = parseCsv('text,label\n"a, b",x\n"line one\nline two",y\n"she said ""hi""",z\n', 'f.csv');
    assert.deepEqual(
      records.map((r) => r.fields),
      [['text', 'label'], ['a, b', 'x'], ['line one\nline two', 'y'], ['she said "hi"', 'z']],
    );
  });

  it('numbers each record by the line it starts on', () => {
    const records = parseCsv('text,label\n"two\nlines",a\nnext,b\n', 'f.csv');
    assert.deepEqual(records.map((r) => r.line), [1, 2, 4]);
  });

  it('reads CRLF line endings and a byte-order mark, and skips blank lines', () => {
    const records = parseCsv('\ufefftext,label\r\nhello,greet\r\n\r\nbye,leave', 'f.csv');
    assert.deepEqual(records.map((r) => r.fields), [['text', 'label'], ['hello', 'greet'], ['bye', 'leave']]);
  });

  it('reports a quoted field that is never closed with its line', () => {
    assert.throws(() => parseCsv('text,label\nok,a\n"broken,b\n', 'f.csv'), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.deepEqual(err.issues[0], { file: 'f.csv', line: 3, message: 'a quoted field is never closed' });
      return true;
    });
  });
});

describe('readLabeledCsv', () => {
  it('reads text,label rows in either column order', async () => {
    const file = await csvFile('order.csv', 'label,text\norder_status,"where is my order, please"\n');
    assert.deepEqual(await readLabeledCsv(file), [{ text: 'where is my order, please', label: 'order_status' }]);
  });

  it('accepts "category" or "intent" as the label column of public intent sets', async () => {
    const file = await csvFile('category.csv', 'text,category\nI lost my card,lost_or_stolen_card\n');
    assert.deepEqual(await readLabeledCsv(file), [{ text: 'I lost my card', label: 'lost_or_stolen_card' }]);
  });

  it('names the file and line of every bad row', async () => {
    const file = await csvFile('bad.csv', 'text,label\nfine,a\n,b\nno label,\ntoo,many,fields\n');
    const err = await inputError(readLabeledCsv(file));
    assert.match(err.message, /3 bad rows/);
    assert.deepEqual(
      err.issues.map((i) => [i.file, i.line, i.message]),
      [
        [file, 3, 'empty text'],
        [file, 4, 'empty label'],
        [file, 5, 'expected 2 fields, found 3'],
      ],
    );
  });

  it('rejects an empty file', async () => {
    const err = await inputError(readLabeledCsv(await csvFile('empty.csv', '')));
    assert.match(err.message, /is empty/);
  });

  it('rejects a header without text and label columns', async () => {
    const err = await inputError(readLabeledCsv(await csvFile('header.csv', 'utterance,topic\nhi,greet\n')));
    assert.match(err.message, /must name the columns "text" and "label"/);
    assert.equal(err.issues[0].line, 1);
  });

  it('rejects a header with no rows', async () => {
    const err = await inputError(readLabeledCsv(await csvFile('norows.csv', 'text,label\n')));
    assert.match(err.message, /no rows/);
  });

  it('reports a file that does not exist', async () => {
    const err = await inputError(readLabeledCsv(path.join(dir, 'missing.csv')));
    assert.match(err.message, /cannot read .*missing\.csv: ENOENT/);
  });
});
