/**
 * Builds the documents the parser tests read: real PDFs (pdfkit, with real encryption for the
 * password case) and real DOCX packages (WordprocessingML zipped with fflate), written to a
 * temporary folder that each test file removes afterwards.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import PDFDocument from 'pdfkit';
import { strToU8, zipSync } from 'fflate';
import { IngestFileError } from '../../../src/knowledge/parse/errors.ts';

/** A fresh folder, removed when the test file ends. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agentproof-parse-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeFixture(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

export interface PdfSpec {
  title?: string;
  userPassword?: string;
  /** Pages of items drawn top to bottom: a heading (large type) or a paragraph. */
  pages: { heading?: string; paragraphs: string[] }[];
}

export function makePdf(spec: PdfSpec): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      autoFirstPage: false,
      info: spec.title ? { Title: spec.title } : {},
      ...(spec.userPassword ? { userPassword: spec.userPassword, pdfVersion: '1.7' as const } : {}),
    });
    const parts: Buffer[] = [];
    doc.on('data', (part: Buffer) => parts.push(part));
    doc.on('end', () => resolve(Buffer.concat(parts)));
    doc.on('error', reject);
    for (const page of spec.pages) {
      doc.addPage();
      if (page.heading) doc.fontSize(20).text(page.heading).moveDown(0.5);
      for (const paragraph of page.paragraphs) doc.fontSize(11).text(paragraph).moveDown(1);
    }
    doc.end();
  });
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** WordprocessingML for a paragraph, optionally in a built-in style such as Heading1 or Title. */
export function docxParagraph(text: string, style?: string): string {
  const props = style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : '';
  return `<w:p>${props}<w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`;
}

export function docxTable(rows: string[][]): string {
  const cells = (row: string[]) => row.map((cell) => `<w:tc>${docxParagraph(cell)}</w:tc>`).join('');
  return `<w:tbl>${rows.map((row) => `<w:tr>${cells(row)}</w:tr>`).join('')}</w:tbl>`;
}

/** A minimal but complete .docx package around the given body XML. */
export function makeDocx(bodyXml: string): Uint8Array {
  const ns = 'http://schemas.openxmlformats.org';
  return zipSync({
    '[Content_Types].xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="${ns}/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '</Types>',
    ),
    '_rels/.rels': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${ns}/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
        '</Relationships>',
    ),
    'word/document.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${ns}/wordprocessingml/2006/main">` +
        `<w:body>${bodyXml}</w:body></w:document>`,
    ),
  });
}

/** An assert.rejects matcher: an IngestFileError with this reason and a message matching `message`. */
export function reason(expected: IngestFileError['reason'], message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof IngestFileError, String(err));
    assert.equal(err.reason, expected);
    assert.match(err.message, message);
    return true;
  };
}
