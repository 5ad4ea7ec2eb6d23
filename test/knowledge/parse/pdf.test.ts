import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePdf } from '../../../src/knowledge/parse/pdf.ts';
import { makePdf, reason } from './fixtures.ts';

const LONG =
  'Customers may return unused items within thirty days of delivery. The paragraph is long enough to wrap over ' +
  'several lines on the page, and the parser must join those lines back into one paragraph without losing a word.';

const policy = await makePdf({
  title: 'Returns Policy 2024',
  pages: [
    { heading: 'Refunds', paragraphs: [LONG, 'Refunds go to the original payment method.'] },
    { heading: 'Exchanges', paragraphs: ['Exchanges ship free of charge.'] },
  ],
});

test('extracts headings and paragraphs per page, rejoining wrapped lines', async () => {
  const doc = await parsePdf('policy.pdf', policy);
  assert.deepEqual(doc.blocks, [
    { kind: 'heading', level: 1, text: 'Refunds', location: { page: 1 } },
    { kind: 'paragraph', text: LONG, location: { page: 1 } },
    { kind: 'paragraph', text: 'Refunds go to the original payment method.', location: { page: 1 } },
    { kind: 'heading', level: 1, text: 'Exchanges', location: { page: 2 } },
    { kind: 'paragraph', text: 'Exchanges ship free of charge.', location: { page: 2 } },
  ]);
});

test('takes the title from the PDF metadata, else the first heading, and counts pages', async () => {
  const doc = await parsePdf('policy.pdf', policy);
  assert.equal(doc.title, 'Returns Policy 2024');
  assert.deepEqual(doc.metadata, { pages: 2 });
  const untitled = await parsePdf('untitled.pdf', await makePdf({ pages: [{ heading: 'Warranty', paragraphs: ['Two years.'] }] }));
  assert.equal(untitled.title, 'Warranty');
});

test('reports a password-protected PDF as such', async () => {
  const locked = await makePdf({ userPassword: 'secret', pages: [{ paragraphs: ['Salaries for 2024.'] }] });
  await assert.rejects(parsePdf('salaries.pdf', locked), reason('password_protected', /^salaries\.pdf: password-protected PDF/));
});

test('reports truncated bytes and non-PDF bytes as not a readable PDF', async () => {
  await assert.rejects(parsePdf('cut.pdf', policy.subarray(0, Math.floor(policy.length / 2))), reason('corrupt', /^cut\.pdf: not a readable PDF: /));
  await assert.rejects(parsePdf('fake.pdf', new TextEncoder().encode('this is not a PDF at all')), reason('corrupt', /^fake\.pdf: not a readable PDF: /));
});

test('reports a PDF without any text (a scan) as empty', async () => {
  const blank = await makePdf({ pages: [{ paragraphs: [] }] });
  await assert.rejects(parsePdf('scan.pdf', blank), reason('empty', /^scan\.pdf: PDF has no extractable text/));
});
