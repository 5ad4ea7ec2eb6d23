import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocx } from '../../../src/knowledge/parse/docx.ts';
import { docxParagraph, docxTable, makeDocx, reason } from './fixtures.ts';

const handbook = Buffer.from(
  makeDocx(
    docxParagraph('Employee Handbook', 'Title') +
      docxParagraph('Leave', 'Heading1') +
      docxParagraph('Everyone gets 25 days of paid leave a year.') +
      docxTable([
        ['Type', 'Days'],
        ['Annual', '25'],
        ['Sick', '10'],
      ]) +
      docxParagraph('Carry-over', 'Heading2') +
      docxParagraph('Up to 5 unused days move to the next year.'),
  ),
);

test('keeps Word headings, paragraphs and tables, and takes the title from the Title style', async () => {
  const doc = await parseDocx('handbook.docx', handbook);
  assert.equal(doc.title, 'Employee Handbook');
  assert.deepEqual(doc.blocks, [
    { kind: 'heading', level: 1, text: 'Employee Handbook' },
    { kind: 'heading', level: 1, text: 'Leave' },
    { kind: 'paragraph', text: 'Everyone gets 25 days of paid leave a year.' },
    { kind: 'table', text: 'Type | Days\nAnnual | 25\nSick | 10' },
    { kind: 'heading', level: 2, text: 'Carry-over' },
    { kind: 'paragraph', text: 'Up to 5 unused days move to the next year.' },
  ]);
});

test('reports a damaged ZIP and non-ZIP bytes as not a readable DOCX', async () => {
  await assert.rejects(parseDocx('cut.docx', handbook.subarray(0, 200)), reason('corrupt', /^cut\.docx: not a readable DOCX: /));
  await assert.rejects(parseDocx('fake.docx', Buffer.from('plain text pretending')), reason('corrupt', /^fake\.docx: not a readable DOCX: not a ZIP package/));
});

test('tells a password-protected DOCX from a legacy .doc by the compound file it is stored in', async () => {
  // Word stores an encrypted .docx as an OLE compound file whose directory lists an EncryptionInfo stream.
  const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...Buffer.alloc(504)]);
  const encrypted = Buffer.concat([ole, Buffer.from('EncryptionInfo', 'utf16le'), Buffer.alloc(64)]);
  await assert.rejects(parseDocx('payroll.docx', encrypted), reason('password_protected', /^payroll\.docx: password-protected DOCX/));
  const legacy = Buffer.concat([ole, Buffer.from('WordDocument', 'utf16le'), Buffer.alloc(64)]);
  await assert.rejects(parseDocx('old.docx', legacy), reason('corrupt', /^old\.docx: not a DOCX: this is a legacy Word \.doc file/));
});
