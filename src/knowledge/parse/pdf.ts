/**
 * PDF to blocks with PDF.js (through unpdf, which ships a build that runs in Node without a
 * worker or canvas). A PDF has no paragraphs or headings, only positioned text, so both are
 * inferred from the layout: a vertical gap wider than a line starts a paragraph, and a short line
 * set noticeably larger than the body text is a heading.
 */
import { getDocumentProxy } from 'unpdf';
import type { DocumentBlock, ParsedDocument } from '../contracts.ts';
import { IngestFileError } from './errors.ts';

/** A line at least this much larger than the body text is a heading. */
const HEADING_RATIO = 1.15;
const MAX_HEADING_CHARS = 200;
/** A gap between baselines wider than this many line heights starts a new paragraph. */
const PARAGRAPH_GAP = 1.6;

interface Line {
  text: string;
  size: number;
  y: number;
  page: number;
}

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;
type PdfPage = Awaited<ReturnType<PdfDocument['getPage']>>;
type ContentItem = Awaited<ReturnType<PdfPage['getTextContent']>>['items'][number];
/** A run of text with its text matrix (marked-content markers carry no text). */
type PositionedText = Extract<ContentItem, { str: string }>;

function pageLines(items: PositionedText[], page: number): Line[] {
  const lines: Line[] = [];
  let parts: string[] = [];
  let size = 0;
  let y = 0;
  const end = () => {
    const text = parts.join('').replace(/\s+/g, ' ').trim();
    if (text) lines.push({ text, size, y, page });
    parts = [];
    size = 0;
  };
  for (const item of items) {
    // the vertical scale of the text matrix is the font size as drawn
    const itemSize = Math.hypot(item.transform[2], item.transform[3]) || item.height;
    const itemY = item.transform[5];
    if (parts.length && Math.abs(itemY - y) > Math.max(size, itemSize) * 0.5) end();
    if (item.str) {
      if (!parts.length) y = itemY;
      parts.push(item.str);
      if (item.str.trim()) size = Math.max(size, itemSize);
    }
    if (item.hasEOL) end();
  }
  end();
  return lines;
}

const rounded = (size: number) => Math.round(size * 2) / 2;

/** The size most of the text is set in, weighted by characters. */
function bodySize(lines: Line[]): number {
  const weight = new Map<number, number>();
  for (const line of lines) weight.set(rounded(line.size), (weight.get(rounded(line.size)) ?? 0) + line.text.length);
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) if (w > bestWeight) [best, bestWeight] = [size, w];
  return best;
}

function joinLine(paragraph: string, line: string): string {
  // a word hyphenated across a line break is rejoined; other line breaks are just layout
  if (/\p{Ll}-$/u.test(paragraph) && /^\p{Ll}/u.test(line)) return paragraph.slice(0, -1) + line;
  return `${paragraph} ${line}`;
}

function toBlocks(lines: Line[]): DocumentBlock[] {
  const body = bodySize(lines);
  const isHeading = (line: Line) => body > 0 && line.size >= body * HEADING_RATIO && line.text.length <= MAX_HEADING_CHARS;
  const headingSizes = [...new Set(lines.filter(isHeading).map((l) => rounded(l.size)))].sort((a, b) => b - a);
  const blocks: DocumentBlock[] = [];
  let previous: Line | null = null;
  for (const line of lines) {
    const last = blocks.at(-1);
    const sameFlow =
      previous !== null &&
      last !== undefined &&
      previous.page === line.page &&
      previous.y - line.y > 0 &&
      previous.y - line.y <= Math.max(previous.size, line.size) * PARAGRAPH_GAP;
    if (isHeading(line)) {
      // a heading set over two lines is one heading
      if (sameFlow && last!.kind === 'heading' && rounded(previous!.size) === rounded(line.size)) last!.text += ` ${line.text}`;
      else blocks.push({ kind: 'heading', level: Math.min(headingSizes.indexOf(rounded(line.size)) + 1, 6), text: line.text, location: { page: line.page } });
    } else if (sameFlow && last!.kind === 'paragraph' && Math.abs(previous!.size - line.size) <= 1) {
      last!.text = joinLine(last!.text, line.text);
    } else {
      blocks.push({ kind: 'paragraph', text: line.text, location: { page: line.page } });
    }
    previous = line;
  }
  return blocks;
}

function failure(file: string, err: unknown): IngestFileError {
  if (err instanceof IngestFileError) return err;
  if ((err as Error)?.name === 'PasswordException') {
    return new IngestFileError(file, 'password_protected', 'password-protected PDF: remove the password and ingest it again', { cause: err });
  }
  return new IngestFileError(file, 'corrupt', `not a readable PDF: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

export async function parsePdf(file: string, data: Uint8Array): Promise<ParsedDocument> {
  let pdf: PdfDocument;
  try {
    // PDF.js refuses Node Buffers and may take ownership of what it is given: hand it a copy
    pdf = await getDocumentProxy(new Uint8Array(data), { verbosity: 0 });
  } catch (err) {
    throw failure(file, err);
  }
  try {
    const lines: Line[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      lines.push(...pageLines(content.items.filter((item): item is PositionedText => 'str' in item), number));
      // release the page's fonts and operator lists before the next one
      page.cleanup();
    }
    const info = ((await pdf.getMetadata()).info ?? {}) as Record<string, unknown>;
    const blocks = toBlocks(lines);
    if (!blocks.length) {
      throw new IngestFileError(file, 'empty', 'PDF has no extractable text (a scanned PDF needs OCR, which is not supported)');
    }
    const metaTitle = typeof info.Title === 'string' ? info.Title.trim() : '';
    const headings = blocks.filter((b) => b.kind === 'heading');
    const metadata: Record<string, unknown> = { pages: pdf.numPages };
    if (typeof info.Author === 'string' && info.Author.trim()) metadata.author = info.Author.trim();
    return { title: metaTitle || (headings.find((b) => b.level === 1) ?? headings[0])?.text || null, blocks, metadata };
  } catch (err) {
    throw failure(file, err);
  } finally {
    await pdf.loadingTask.destroy();
  }
}
