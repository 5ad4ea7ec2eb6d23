/**
 * The traces of a report's failed cases, drawn into the page itself: the report is a file that
 * opens offline, so a link to a server would often lead nowhere, while the steps in the page let
 * a reader follow what the agent did (each step's time, tokens, outcome and error) wherever the
 * file travels. Everything from the trace is escaped; long values are cut to keep the page small.
 */
import type { Span, TraceWithSpans } from '../../trace/types.ts';
import { escapeHtml as e } from './svg.ts';

/** At most this many traces go into one report; the rest are named, not drawn. */
export const MAX_REPORT_TRACES = 200;
const MAX_DETAIL = 300;

export function traceAnchor(id: string): string {
  return `trace-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Spans depth first in start order, each with its depth under the turn. */
function ordered(spans: Span[]): { span: Span; depth: number }[] {
  const children = new Map<string | null, Span[]>();
  for (const s of spans) {
    const siblings = children.get(s.parentId);
    if (siblings) siblings.push(s);
    else children.set(s.parentId, [s]);
  }
  const ids = new Set(spans.map((s) => s.id));
  const out: { span: Span; depth: number }[] = [];
  const visit = (s: Span, depth: number) => {
    out.push({ span: s, depth });
    for (const c of (children.get(s.id) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  // Roots, and spans whose parent is missing from the trace, start at the top.
  for (const s of spans.filter((x) => x.parentId === null || !ids.has(x.parentId)).sort(byStart)) visit(s, 0);
  return out;
}

const byStart = (a: Span, b: Span) => a.startedAt.getTime() - b.startedAt.getTime();

function cut(text: string, max = MAX_DETAIL): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function detail(s: Span): string {
  if (s.error) return `<span class="fail">${e(cut(s.error))}</span>`;
  const attrs = Object.keys(s.attributes).length ? JSON.stringify(s.attributes) : '';
  return attrs ? `<code>${e(cut(attrs))}</code>` : '';
}

function traceBlock(t: TraceWithSpans): string {
  const rows = ordered(t.spans).map(({ span: s, depth }) =>
    [
      `<td style="padding-left:${8 + depth * 16}px">${e(s.name)}</td>`,
      `<td>${e(s.kind)}</td>`,
      `<td${s.status === 'error' ? ' class="fail"' : ''}>${e(s.status)}</td>`,
      `<td class="n">${s.durationMs === null ? '–' : s.durationMs.toFixed(1)}</td>`,
      `<td class="n">${s.inputTokens + s.outputTokens || ''}</td>`,
      `<td>${s.model ? e(s.model) : ''}</td>`,
      `<td>${detail(s)}</td>`,
    ].join(''),
  );
  const facts = [
    `status ${e(t.status)}`,
    t.durationMs === null ? null : `${t.durationMs.toFixed(0)} ms`,
    t.topic ? `topic ${e(t.topic)}` : null,
    `${t.inputTokens + t.outputTokens} tokens`,
  ].filter(Boolean);
  return [
    `<details id="${traceAnchor(t.id)}"><summary><code>${e(t.id)}</code> — ${facts.join(', ')} — ${e(cut(t.input, 120))}</summary>`,
    `<p><strong>Reply:</strong> ${t.output === null ? '–' : e(cut(t.output, 1000))}${t.error ? ` <span class="fail">${e(cut(t.error))}</span>` : ''}</p>`,
    `<table><thead><tr><th>Step</th><th>Kind</th><th>Status</th><th>ms</th><th>Tokens</th><th>Model</th><th>Details</th></tr></thead><tbody>`,
    rows.map((r) => `<tr>${r}</tr>`).join(''),
    '</tbody></table></details>',
  ].join('');
}

/** The section, or nothing when no trace was given. `missing` names traces that could not be loaded or were over the cap. */
export function tracesSection(traces: TraceWithSpans[], missing: string[]): string {
  if (traces.length === 0 && missing.length === 0) return '';
  const note = missing.length ? `<p>Not included (${missing.length}): ${missing.slice(0, 50).map((id) => `<code>${e(id)}</code>`).join(' ')}${missing.length > 50 ? ' …' : ''} — see <code>agentproof trace ID</code>.</p>` : '';
  return `<section><h2>Traces of failed cases</h2><p>Every step of each failed case's turns: open one to see it.</p>${note}${traces.map(traceBlock).join('')}</section>`;
}
