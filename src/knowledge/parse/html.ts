/**
 * HTML to blocks: headings, paragraphs, lists, tables and preformatted text, with the page chrome
 * (scripts, styles, navigation, site header/footer/sidebars, forms) left out because it would only
 * add noise to every chunk of the page.
 */
import { DomUtils, parseDocument } from 'htmlparser2';
import type { DocumentBlock, ParsedDocument } from '../contracts.ts';

type HtmlDocument = ReturnType<typeof parseDocument>;
type HtmlNode = HtmlDocument['children'][number];
type HtmlElement = ReturnType<typeof DomUtils.findAll>[number];

/**
 * Never content. A <form> itself is not here: some sites wrap the whole page in one; its controls
 * and their labels are.
 */
const SKIP = new Set([
  'head', 'script', 'style', 'noscript', 'template', 'svg', 'math', 'canvas', 'iframe', 'object', 'embed',
  'nav', 'button', 'select', 'input', 'textarea', 'label', 'dialog', 'map', 'audio', 'video',
]);
/**
 * Page chrome when outside <main>/<article> (inside, a header is the article's own). A site header
 * is still read when it holds a heading: simple pages put their <h1> there.
 */
const CHROME = new Set(['header', 'footer', 'aside']);
const CONTENT = new Set(['main', 'article']);
const SKIP_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'search', 'menu', 'menubar', 'toolbar']);
const INLINE = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'big', 'cite', 'code', 'data', 'del', 'dfn', 'em', 'font', 'i', 'ins', 'kbd',
  'mark', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time', 'tt', 'u', 'var',
  'wbr', 'img', 'picture', 'output', 'meter', 'progress',
]);
const HEADING = /^h([1-6])$/;

function isElement(node: HtmlNode): node is HtmlElement {
  return 'attribs' in node;
}

function isHidden(el: HtmlElement): boolean {
  const { attribs } = el;
  return (
    'hidden' in attribs ||
    attribs['aria-hidden'] === 'true' ||
    SKIP_ROLES.has(attribs.role ?? '') ||
    /display\s*:\s*none/i.test(attribs.style ?? '')
  );
}

function isChrome(el: HtmlElement): boolean {
  if (!CHROME.has(el.name)) return false;
  return el.name !== 'header' || !DomUtils.findOne((child) => HEADING.test(child.name), el.children);
}

function skipped(el: HtmlElement, inContent: boolean): boolean {
  return SKIP.has(el.name) || isHidden(el) || (!inContent && isChrome(el));
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** Joins inline pieces: spaces collapsed, explicit line breaks (from <br>) kept. */
function tidy(raw: string): string {
  return raw
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** Text of a subtree as one flow; block children are separated so their words do not run together. */
function flowText(node: HtmlNode, inContent: boolean, breaks: boolean): string {
  if (node.type === 'text') return collapse(node.data);
  if (!isElement(node)) return '';
  if (skipped(node, inContent)) return '';
  if (node.name === 'br') return breaks ? '\n' : ' ';
  if (node.name === 'img') return node.attribs.alt ? ` ${node.attribs.alt} ` : '';
  const inner = node.children.map((child) => flowText(child, inContent || CONTENT.has(node.name), breaks)).join('');
  return INLINE.has(node.name) ? inner : breaks ? `\n${inner}\n` : ` ${inner} `;
}

function oneLine(node: HtmlNode, inContent: boolean): string {
  return tidy(flowText(node, inContent, false));
}

function children(el: HtmlElement, names: Set<string>): HtmlElement[] {
  return el.children.filter((c): c is HtmlElement => isElement(c) && names.has(c.name));
}

const LISTS = new Set(['ul', 'ol', 'menu']);
const ITEMS = new Set(['li']);

function listLines(list: HtmlElement, depth: number, inContent: boolean, out: string[]): void {
  const ordered = list.name === 'ol';
  let n = Number.parseInt(list.attribs.start ?? '1', 10);
  if (!Number.isFinite(n)) n = 1;
  for (const item of children(list, ITEMS)) {
    const own = item.children.filter((c) => !(isElement(c) && LISTS.has(c.name)));
    const text = tidy(own.map((c) => flowText(c, inContent, false)).join(''));
    const marker = ordered ? `${n++}. ` : '- ';
    if (text) out.push(`${'  '.repeat(depth)}${marker}${text}`);
    for (const nested of children(item, LISTS)) listLines(nested, text ? depth + 1 : depth, inContent, out);
  }
}

function definitionLines(list: HtmlElement, inContent: boolean): string[] {
  const out: string[] = [];
  // <div> wrappers around dt/dd pairs are allowed by the spec
  const entries = list.children.flatMap((c) => (isElement(c) && c.name === 'div' ? c.children : [c]));
  for (const entry of entries) {
    if (!isElement(entry)) continue;
    const text = oneLine(entry, inContent);
    if (!text) continue;
    if (entry.name === 'dt') out.push(`- ${text}`);
    else if (entry.name === 'dd') out.push(`  ${text}`);
  }
  return out;
}

const SECTIONS = new Set(['thead', 'tbody', 'tfoot']);
const CELLS = new Set(['td', 'th']);

function tableRows(table: HtmlElement, inContent: boolean): string[][] {
  const rows: string[][] = [];
  // thead/tbody/tfoot and bare rows may be mixed: walk child by child to keep document order
  const visit = (el: HtmlElement) => {
    for (const child of el.children) {
      if (!isElement(child)) continue;
      if (child.name === 'tr') {
        const cells = children(child, CELLS).map((cell) => oneLine(cell, inContent));
        if (cells.some(Boolean)) rows.push(cells);
      } else if (SECTIONS.has(child.name)) visit(child);
    }
  };
  visit(table);
  return rows;
}

/** Builds blocks in document order; loose inline text between blocks becomes a paragraph. */
class BlockBuilder {
  readonly blocks: DocumentBlock[] = [];
  private inline: string[] = [];
  private inlineStart: number | null = null;
  private readonly lineOf: (index: number | null) => number | undefined;

  constructor(lineOf: (index: number | null) => number | undefined) {
    this.lineOf = lineOf;
  }

  flush(): void {
    const text = tidy(this.inline.join(''));
    if (text) this.blocks.push({ kind: 'paragraph', text, ...this.at(this.inlineStart) });
    this.inline = [];
    this.inlineStart = null;
  }

  add(block: DocumentBlock, node: HtmlNode): void {
    this.flush();
    if (block.text) this.blocks.push({ ...block, ...this.at(node.startIndex) });
  }

  walk(node: HtmlNode, inContent: boolean): void {
    if (node.type === 'text') {
      if (this.inlineStart === null && node.data.trim() && node.startIndex !== null) {
        this.inlineStart = node.startIndex + node.data.search(/\S/);
      }
      this.inline.push(collapse(node.data));
      return;
    }
    if (!isElement(node) || skipped(node, inContent)) return;
    const name = node.name;
    const heading = HEADING.exec(name);
    if (heading) return this.add({ kind: 'heading', level: Number(heading[1]), text: oneLine(node, inContent) }, node);
    if (name === 'br') return void this.inline.push('\n');
    if (INLINE.has(name)) {
      if (this.inlineStart === null) this.inlineStart = node.startIndex;
      this.inline.push(flowText(node, inContent, true));
      return;
    }
    if (LISTS.has(name)) {
      const lines: string[] = [];
      listLines(node, 0, inContent, lines);
      return this.add({ kind: 'list', text: lines.join('\n') }, node);
    }
    if (name === 'dl') return this.add({ kind: 'list', text: definitionLines(node, inContent).join('\n') }, node);
    if (name === 'pre') {
      const code = DomUtils.textContent(node).replace(/^\n/, '').trimEnd();
      return this.add({ kind: 'code', text: code }, node);
    }
    if (name === 'table') {
      const rows = tableRows(node, inContent);
      // A one-row or one-column table is layout, not data: read its cells as ordinary content.
      if (rows.length > 1 && rows.some((r) => r.length > 1)) {
        const caption = children(node, new Set(['caption']))[0];
        if (caption) this.add({ kind: 'paragraph', text: oneLine(caption, inContent) }, caption);
        return this.add({ kind: 'table', text: rows.map((r) => r.join(' | ')).join('\n') }, node);
      }
    }
    this.flush();
    const nowInContent = inContent || CONTENT.has(name) || node.attribs.role === 'main';
    for (const child of node.children) this.walk(child, nowInContent);
    this.flush();
  }

  private at(index: number | null): Pick<DocumentBlock, 'location'> {
    const line = this.lineOf(index);
    return line === undefined ? {} : { location: { line } };
  }
}

function lineIndex(html: string): (index: number | null) => number | undefined {
  const starts = [0];
  for (let i = html.indexOf('\n'); i >= 0; i = html.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    if (index === null) return undefined;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** The element holding the page's own content: <main>, a lone <article>, else <body>. */
function contentRoot(doc: HtmlDocument): { root: HtmlNode[]; inContent: boolean } {
  const main = DomUtils.findOne((el) => el.name === 'main' || el.attribs.role === 'main', doc.children);
  if (main) return { root: main.children, inContent: true };
  const articles = DomUtils.findAll((el) => el.name === 'article', doc.children);
  if (articles.length === 1) return { root: articles[0].children, inContent: true };
  const body = DomUtils.findOne((el) => el.name === 'body', doc.children);
  return { root: body ? body.children : doc.children, inContent: false };
}

export function parseHtml(html: string): ParsedDocument {
  const doc = parseDocument(html, { withStartIndices: true });
  const builder = new BlockBuilder(lineIndex(html));
  const { root, inContent } = contentRoot(doc);
  for (const node of root) builder.walk(node, inContent);
  builder.flush();
  const blocks = builder.blocks;

  const titleEl = DomUtils.findOne((el) => el.name === 'title', doc.children);
  const pageTitle = titleEl ? tidy(collapse(DomUtils.textContent(titleEl))) : '';
  const headings = blocks.filter((b) => b.kind === 'heading');
  const title = pageTitle || (headings.find((b) => b.level === 1) ?? headings[0])?.text || null;

  const metadata: Record<string, unknown> = {};
  const htmlEl = DomUtils.findOne((el) => el.name === 'html', doc.children, false);
  if (htmlEl?.attribs.lang) metadata.lang = htmlEl.attribs.lang;
  const description = DomUtils.findOne((el) => el.name === 'meta' && el.attribs.name?.toLowerCase() === 'description', doc.children);
  if (description?.attribs.content) metadata.description = description.attribs.content.trim();
  return { title, blocks, metadata };
}
