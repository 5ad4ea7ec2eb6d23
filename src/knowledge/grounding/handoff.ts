import { InputError } from '../../core/errors.ts';
import { words } from '../../models/local/sentences.ts';
import { countTokens } from '../../models/tokens.ts';

/**
 * Stage 4, the hand-off to the model: which retrieved chunks go into the prompt, in what order and
 * under which citation number, within a token budget. Every chunk left out is recorded with its
 * reason, so a trace can tell "the answer was never retrieved" from "it was retrieved but cut".
 */

export type ChunkId = string | number;

export interface ContextChunk {
  id: ChunkId;
  text: string;
  /** o200k tokens of `text`, when the store already knows them. */
  tokens?: number;
  score: number;
  title: string;
  sectionPath: string[];
  documentPath?: string;
  link?: string | null;
}

export interface HandoffOptions {
  budgetTokens: number;
  /** Most chunks in the context; chunks skipped as duplicates or over budget do not use a slot. */
  topK: number;
  /** Share of a chunk's word trigrams found in an included chunk above which it is a duplicate. Default 0.8. */
  duplicateThreshold?: number;
}

export interface IncludedChunk {
  id: ChunkId;
  /** The citation number of the passage in the prompt, 1-based, in rank order. */
  n: number;
  /** Tokens of the passage block as formatContext renders it (heading line included). */
  tokens: number;
  /** 1-based position in the retrieved ranking. */
  rank: number;
}

export type DropReason = 'over_budget' | 'duplicate' | 'beyond_top_k';

export interface DroppedChunk {
  id: ChunkId;
  rank: number;
  reason: DropReason;
  /** For duplicates: the included chunk it repeats. */
  duplicateOf?: ChunkId;
}

export interface AssembledContext {
  included: IncludedChunk[];
  dropped: DroppedChunk[];
  /** Tokens of the rendered context (blocks and the blank lines between them). */
  tokens: number;
  budgetTokens: number;
}

/** An included chunk with what a prompt and a citation need. */
export interface ContextPassage {
  n: number;
  id: ChunkId;
  text: string;
  title: string;
  sectionPath: string[];
  documentPath?: string;
  link?: string | null;
}

const DEFAULT_DUPLICATE_THRESHOLD = 0.8;
const SEPARATOR = '\n\n';
const SEPARATOR_TOKENS = countTokens(SEPARATOR);

/** `title › section › subsection`, with a first heading that repeats the title shown once. */
export function passageHeading(title: string, sectionPath: string[]): string {
  const parts = [title, ...sectionPath].map((p) => p.trim()).filter(Boolean);
  return parts.filter((p, i) => i === 0 || p.toLowerCase() !== parts[i - 1].toLowerCase()).join(' › ');
}

function headingLine(n: number, title: string, sectionPath: string[]): string {
  const heading = passageHeading(title, sectionPath);
  return heading ? `[${n}] ${heading}\n` : `[${n}]\n`;
}

function shingles(text: string): Set<string> {
  const w = words(text);
  if (w.length < 3) return new Set([w.join(' ')]);
  const out = new Set<string>();
  for (let i = 0; i + 3 <= w.length; i++) out.add(`${w[i]} ${w[i + 1]} ${w[i + 2]}`);
  return out;
}

function containment(a: Set<string>, b: Set<string>): number {
  if (a.size === 0) return 1;
  let shared = 0;
  for (const s of a) if (b.has(s)) shared++;
  return shared / a.size;
}

function checkOptions(options: HandoffOptions): void {
  const issues = [];
  if (!Number.isFinite(options.budgetTokens) || options.budgetTokens < 0) issues.push({ path: 'budgetTokens', message: 'must be a number ≥ 0' });
  if (!Number.isInteger(options.topK) || options.topK < 1) issues.push({ path: 'topK', message: 'must be an integer ≥ 1' });
  const d = options.duplicateThreshold;
  if (d !== undefined && !(d > 0 && d <= 1)) issues.push({ path: 'duplicateThreshold', message: 'must be in (0, 1]' });
  if (issues.length) throw new InputError(`invalid context options: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}

/**
 * Walks the ranking best first. A chunk that repeats one already included (the same text from
 * another document, or overlap that covers nearly all of it) is a duplicate; one that does not fit
 * the remaining budget is skipped, and a smaller one further down may still fit.
 */
export function assembleContext(chunks: ContextChunk[], options: HandoffOptions): AssembledContext {
  checkOptions(options);
  const threshold = options.duplicateThreshold ?? DEFAULT_DUPLICATE_THRESHOLD;
  const included: IncludedChunk[] = [];
  const dropped: DroppedChunk[] = [];
  const seen: { id: ChunkId; shingles: Set<string> }[] = [];
  let used = 0;
  chunks.forEach((chunk, i) => {
    const rank = i + 1;
    if (included.length >= options.topK) {
      dropped.push({ id: chunk.id, rank, reason: 'beyond_top_k' });
      return;
    }
    const own = shingles(chunk.text);
    const original = seen.find((s) => containment(own, s.shingles) >= threshold);
    if (original) {
      dropped.push({ id: chunk.id, rank, reason: 'duplicate', duplicateOf: original.id });
      return;
    }
    const n = included.length + 1;
    const textTokens = chunk.tokens ?? countTokens(chunk.text);
    const blockTokens = countTokens(headingLine(n, chunk.title, chunk.sectionPath)) + textTokens;
    const cost = blockTokens + (included.length > 0 ? SEPARATOR_TOKENS : 0);
    if (used + cost > options.budgetTokens) {
      dropped.push({ id: chunk.id, rank, reason: 'over_budget' });
      return;
    }
    used += cost;
    included.push({ id: chunk.id, n, tokens: blockTokens, rank });
    seen.push({ id: chunk.id, shingles: own });
  });
  return { included, dropped, tokens: used, budgetTokens: options.budgetTokens };
}

/** The included chunks, in citation order, with their text and source. */
export function contextPassages(context: AssembledContext, chunks: ContextChunk[]): ContextPassage[] {
  const byId = new Map(chunks.map((c) => [c.id, c]));
  return context.included.map((inc) => {
    const chunk = byId.get(inc.id);
    if (!chunk) throw new InputError(`chunk ${inc.id} of the context is not among the given chunks`, [{ path: 'chunks', message: `missing chunk ${inc.id}` }]);
    return {
      n: inc.n,
      id: chunk.id,
      text: chunk.text,
      title: chunk.title,
      sectionPath: chunk.sectionPath,
      ...(chunk.documentPath !== undefined ? { documentPath: chunk.documentPath } : {}),
      ...(chunk.link !== undefined ? { link: chunk.link } : {}),
    };
  });
}

/** The passages as numbered blocks for a prompt: `[n] title › section` then the text. */
export function formatContext(passages: ContextPassage[]): string {
  return passages.map((p) => `${headingLine(p.n, p.title, p.sectionPath)}${p.text}`).join(SEPARATOR);
}
