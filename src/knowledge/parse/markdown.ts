/**
 * Markdown (CommonMark + GFM tables) to blocks with the marked lexer. A long file is lexed in
 * segments cut before a heading, so memory follows the segment size rather than the file size
 * (a lexed token tree costs about twenty times its source).
 */
import { Lexer, type MarkedToken, type Token, type Tokens } from 'marked';
import { decodeHTML } from 'entities';
import { parse as parseYaml } from 'yaml';
import type { DocumentBlock } from '../contracts.ts';
import { parseHtml } from './html.ts';

/** A segment is cut before the first heading after this many characters... */
const SEGMENT_CHARS = 256 * 1024;
/** ...or before a blank line after this many, when headings are rare... */
const LOOSE_SEGMENT_CHARS = 1024 * 1024;
/** ...and anywhere after this many, whatever it splits. */
const MAX_SEGMENT_CHARS = 4 * 1024 * 1024;
const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

export interface MarkdownDocument {
  title: string | null;
  metadata: Record<string, unknown>;
  blocks: AsyncGenerator<DocumentBlock>;
}

interface Segment {
  text: string;
  firstLine: number;
}

async function* segments(lines: AsyncIterable<string[]>): AsyncGenerator<Segment> {
  let buffer: string[] = [];
  let size = 0;
  let firstLine = 1;
  let lineNo = 0;
  let fence: { char: string; length: number } | null = null;
  for await (const batch of lines) {
    for (const line of batch) {
      lineNo++;
      const cut =
        size >= MAX_SEGMENT_CHARS ||
        (!fence && size >= SEGMENT_CHARS && ATX_HEADING.test(line)) ||
        (!fence && size >= LOOSE_SEGMENT_CHARS && !line.trim());
      if (cut) {
        yield { text: buffer.join('\n'), firstLine };
        buffer = [];
        size = 0;
        firstLine = lineNo;
      }
      const marker = FENCE.exec(line);
      if (marker) {
        const [, run, rest] = marker;
        if (!fence) fence = { char: run[0], length: run.length };
        else if (run[0] === fence.char && run.length >= fence.length && !rest.trim()) fence = null;
      }
      buffer.push(line);
      size += line.length + 1;
    }
  }
  if (buffer.length) yield { text: buffer.join('\n'), firstLine };
}

/** YAML front matter: its title, its scalar fields, and the text with those lines blanked (so line numbers hold). */
function frontMatter(text: string): { title: string | null; fields: Record<string, unknown>; text: string } {
  const none = { title: null, fields: {}, text };
  if (!/^---[ \t]*(\n|$)/.test(text)) return none;
  const lines = text.split('\n');
  const end = lines.findIndex((line, i) => i > 0 && /^(---|\.\.\.)[ \t]*$/.test(line));
  if (end < 0) return none;
  const blanked = [...lines.slice(0, end + 1).map(() => ''), ...lines.slice(end + 1)].join('\n');
  let data: unknown;
  try {
    data = parseYaml(lines.slice(1, end).join('\n'));
  } catch {
    // Malformed front matter is still not content.
    return { title: null, fields: {}, text: blanked };
  }
  const fields: Record<string, unknown> = {};
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const [key, value] of Object.entries(data)) {
      if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
    }
  }
  const title = typeof fields.title === 'string' && fields.title.trim() ? fields.title.trim() : null;
  return { title, fields, text: blanked };
}

function inline(tokens: Token[] | undefined): string {
  let out = '';
  for (const token of (tokens ?? []) as MarkedToken[]) {
    switch (token.type) {
      case 'text':
        out += token.tokens ? inline(token.tokens) : decodeHTML(token.text);
        break;
      case 'escape':
        out += decodeHTML(token.text);
        break;
      case 'codespan':
        out += token.text;
        break;
      case 'br':
        out += '\n';
        break;
      case 'image':
        out += token.text;
        break;
      case 'html':
      case 'checkbox':
        // inline tags carry no text of their own; the text between them comes as text tokens
        break;
      default:
        out += 'tokens' in token && token.tokens ? inline(token.tokens) : 'text' in token ? decodeHTML(token.text) : '';
    }
  }
  return out;
}

function itemText(token: MarkedToken): string {
  if (token.type === 'code') return token.text;
  if (token.type === 'table') return tableText(token).replace(/\n/g, '; ');
  return 'tokens' in token && token.tokens ? inline(token.tokens) : '';
}

function listLines(list: Tokens.List, depth: number, out: string[]): void {
  let n = typeof list.start === 'number' ? list.start : 1;
  for (const item of list.items) {
    const parts = (item.tokens as MarkedToken[]).filter((t) => t.type !== 'list').map(itemText);
    let text = parts.map((p) => p.trim()).filter(Boolean).join(' ');
    if (item.task) text = `[${item.checked ? 'x' : ' '}] ${text}`;
    out.push(`${'  '.repeat(depth)}${list.ordered ? `${n++}.` : '-'} ${text}`);
    for (const nested of item.tokens as MarkedToken[]) if (nested.type === 'list') listLines(nested, depth + 1, out);
  }
}

function tableText(table: Tokens.Table): string {
  const row = (cells: Tokens.TableCell[]) => cells.map((cell) => inline(cell.tokens).trim()).join(' | ');
  return [row(table.header), ...table.rows.map(row)].join('\n');
}

function newlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

function convert(token: MarkedToken, line: number, out: DocumentBlock[]): void {
  const location = { line };
  switch (token.type) {
    case 'heading': {
      const text = inline(token.tokens).trim();
      if (text) out.push({ kind: 'heading', level: token.depth, text, location });
      return;
    }
    case 'paragraph':
    case 'text': {
      const text = (token.tokens ? inline(token.tokens) : decodeHTML(token.text)).trim();
      if (text) out.push({ kind: 'paragraph', text, location });
      return;
    }
    case 'list': {
      const lines: string[] = [];
      listLines(token, 0, lines);
      out.push({ kind: 'list', text: lines.join('\n'), location });
      return;
    }
    case 'table':
      out.push({ kind: 'table', text: tableText(token), location });
      return;
    case 'code':
      if (token.text.trim()) out.push({ kind: 'code', text: token.text, location });
      return;
    case 'blockquote': {
      let at = line;
      for (const child of token.tokens as MarkedToken[]) {
        convert(child, at, out);
        at += newlines(child.raw);
      }
      return;
    }
    case 'html':
      for (const block of parseHtml(token.text).blocks) {
        out.push({ ...block, location: { line: line + (block.location?.line ?? 1) - 1 } });
      }
      return;
    default:
      // space, hr, def: no text of their own
      return;
  }
}

function segmentBlocks(segment: Segment): DocumentBlock[] {
  const out: DocumentBlock[] = [];
  let line = segment.firstLine;
  for (const token of new Lexer({ gfm: true }).lex(segment.text) as MarkedToken[]) {
    convert(token, line, out);
    line += newlines(token.raw);
  }
  return out;
}

/**
 * Opens a markdown file given as line batches. The first segment is read at once, for the title
 * (front matter `title`, else the first level-1 heading, else the first heading); the rest is read
 * as the blocks are consumed.
 */
export async function openMarkdown(lines: AsyncIterable<string[]>): Promise<MarkdownDocument> {
  const source = segments(lines);
  const first = await source.next();
  if (first.done) return { title: null, metadata: {}, blocks: (async function* () {})() };
  const front = frontMatter(first.value.text);
  const firstBlocks = segmentBlocks({ text: front.text, firstLine: first.value.firstLine });
  const headings = firstBlocks.filter((b) => b.kind === 'heading');
  const title = front.title ?? (headings.find((b) => b.level === 1) ?? headings[0])?.text ?? null;
  const metadata = Object.keys(front.fields).length ? { frontMatter: front.fields } : {};
  async function* blocks(): AsyncGenerator<DocumentBlock> {
    try {
      yield* firstBlocks;
      for (let next = await source.next(); !next.done; next = await source.next()) yield* segmentBlocks(next.value);
    } finally {
      await source.return(undefined);
    }
  }
  return { title, metadata, blocks: blocks() };
}
