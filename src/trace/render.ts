import { renderStages } from '../knowledge/grounding/stages.ts';
import type { Span, SpanStatus, TraceStatus, TraceWithSpans } from './types.ts';

/**
 * A trace as text for a terminal: one header with the turn's totals, then the spans as a tree by
 * parent, each with its timing, model, tokens and cost and the facts that explain the step (the
 * topic a route chose, the arguments a tool got, the error that stopped it).
 */
export interface RenderOptions {
  /** ANSI colours; only for a terminal, never for a pipe or a file. */
  color?: boolean;
}

const ANSI = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
type Style = keyof typeof ANSI;

export function renderTraceTree(trace: TraceWithSpans, opts: RenderOptions = {}): string {
  const paint = (style: Style, text: string) => (opts.color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text);
  const lines: string[] = [];

  lines.push(
    [
      paint('bold', `trace ${trace.id}`),
      `${trace.agentName}@${trace.agentVersion}`,
      paint(traceStatusStyle(trace.status), trace.status),
      trace.startedAt.toISOString(),
      formatDuration(trace.durationMs),
      formatTokens(trace.inputTokens, trace.outputTokens),
      formatCost(trace.costUsd),
      ...(trace.topic ? [`topic ${trace.topic}`] : []),
    ].join('  '),
  );
  lines.push(`  input:  ${oneLine(trace.input, 200)}`);
  if (trace.output !== null) lines.push(`  output: ${oneLine(trace.output, 200)}`);
  if (trace.error !== null) lines.push(`  ${paint('red', `error:  ${oneLine(trace.error, 200)}`)}`);
  lines.push('');

  const ids = new Set(trace.spans.map((s) => s.id));
  const children = new Map<string | null, Span[]>();
  for (const span of trace.spans) {
    // A span whose parent is missing (written by another part of a resumed turn) still shows, as a root.
    const parent = span.parentId !== null && ids.has(span.parentId) ? span.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(span);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());

  const walk = (parent: string | null, prefix: string, depth: number) => {
    const list = children.get(parent) ?? [];
    list.forEach((span, i) => {
      const last = i === list.length - 1;
      const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
      const below = depth === 0 ? '' : last ? '   ' : '│  ';
      lines.push(`${prefix}${branch}${spanLine(span, paint)}`);
      const hasChildren = (children.get(span.id)?.length ?? 0) > 0;
      for (const detail of spanDetails(span)) {
        lines.push(`${prefix}${below}${hasChildren ? '│  ' : '   '}${detail.error ? paint('red', detail.text) : paint('dim', detail.text)}`);
      }
      walk(span.id, prefix + below, depth + 1);
    });
  };
  walk(null, '', 0);
  if (trace.spans.length === 0) lines.push('(no spans)');
  if (trace.stages) {
    lines.push('', paint('bold', 'RAG stages'));
    for (const line of renderStages(trace.stages)) lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

function spanLine(span: Span, paint: (style: Style, text: string) => string): string {
  const parts = [paint('cyan', span.kind), span.name, paint(spanStatusStyle(span.status), span.status), formatDuration(span.durationMs)];
  if (span.model) parts.push(span.model);
  if (span.inputTokens || span.outputTokens) parts.push(formatTokens(span.inputTokens, span.outputTokens));
  if (span.costUsd) parts.push(formatCost(span.costUsd));
  const facts = keyFacts(span);
  if (facts) parts.push(facts);
  return parts.join('  ');
}

/** The attributes that explain a step, by kind; everything else is in `--json`. */
function keyFacts(span: Span): string {
  const a = span.attributes;
  if (span.kind === 'route') {
    const facts = [];
    if (a.topic !== undefined) facts.push(`topic=${String(a.topic)}`);
    if (typeof a.confidence === 'number') facts.push(`confidence=${a.confidence.toFixed(2)}`);
    return facts.join(' ');
  }
  if (span.kind === 'tool') {
    const args = oneLine(JSON.stringify(span.input ?? {}), 120);
    const tool = typeof a['tool.name'] === 'string' ? a['tool.name'] : span.name;
    return tool === span.name ? `args ${args}` : `${tool}(${args})`;
  }
  return '';
}

function spanDetails(span: Span): { text: string; error: boolean }[] {
  return span.error ? [{ text: `error: ${oneLine(span.error, 200)}`, error: true }] : [];
}

function traceStatusStyle(status: TraceStatus): Style {
  return status === 'completed' ? 'green' : status === 'awaiting_approval' ? 'yellow' : 'red';
}

function spanStatusStyle(status: SpanStatus): Style {
  return status === 'ok' ? 'green' : status === 'pending' ? 'yellow' : 'red';
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '– ms';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function formatTokens(input: number, output: number): string {
  return `${input}→${output} tok`;
}

export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(4)}`;
}

/** Collapses whitespace and cuts to `max` characters, so one record stays on one line. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
