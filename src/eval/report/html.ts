/**
 * A finished run as one self-contained HTML page: inline CSS, charts as inline SVG and a content
 * security policy that forbids loading anything, so the file opens offline and can be attached to
 * a ticket or a CI artifact as is. Every chart's numbers are also in a table, and everything taken
 * from the run (case ids, reasons, topics) is escaped: replies and judge reasons can hold markup.
 */
import { createHash } from 'node:crypto';
import type { Interval } from '../../core/stats.ts';
import type { CaseResult, MetricSummary } from '../run/aggregate.ts';
import type { RunRow } from '../run/store.ts';
import type { RunSummary } from '../run/summary.ts';
import type { Score } from '../contracts.ts';
import { LOWER_IS_BETTER_METRICS } from '../suite/schema.ts';
import type { TraceWithSpans } from '../../trace/types.ts';
import { traceAnchor, tracesSection } from './html-traces.ts';
import { barChart, binValues, escapeHtml as e, histogram } from './svg.ts';

export interface HtmlReportOptions {
  /** Traces drawn into the report (those of failed cases); links to them stay inside the page. */
  traces?: TraceWithSpans[];
  /** Trace ids of failed cases that are not in `traces` (not found, or over the cap). */
  missingTraces?: string[];
}

/** Measured values rather than 0..1 scores: reported in a table, not on a 0..1 chart. */
const isBudget = (m: MetricSummary) => LOWER_IS_BETTER_METRICS.has(m.metric) || (m.max !== null && m.max > 1) || (m.min !== null && m.min < 0);

const GREEN = '#1a7f37';
const RED = '#cf222e';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const score = (x: number) => x.toFixed(3);
const withInterval = (i: Interval | null, f: (x: number) => string) => (!i ? '–' : i.low === i.high ? f(i.value) : `${f(i.value)} [${f(i.low)}–${f(i.high)}]`);
const measured = (metric: string, x: number) => (metric === 'cost_usd' ? `$${x.toFixed(4)}` : metric === 'latency_ms' ? `${Math.round(x)} ms` : String(Math.round(x * 1000) / 1000));
const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '–');
const caseName = (r: { caseId: string; repeat: number }) => (r.repeat > 1 ? `${r.caseId} #${r.repeat}` : r.caseId);

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;color:#24292f;margin:0 auto;max-width:1100px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}dl.meta dt{color:#57606a}dl.meta dd{margin:0}
.verdict{display:inline-block;padding:4px 12px;border-radius:6px;color:#fff;font-weight:600}
.pass{color:${GREEN}}.fail{color:${RED}}.verdict.pass{background:${GREEN};color:#fff}.verdict.fail{background:${RED};color:#fff}.verdict.none{background:#57606a}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}.scroll{overflow-x:auto}
ul.reasons{margin:0;padding-left:18px}code{font-size:12px}svg{max-width:100%;height:auto;display:block}
table.sortable th{cursor:pointer}summary{cursor:pointer;font-weight:600}
`;

// Sorting only; without it every table still reads in run order.
const SCRIPT = `document.querySelectorAll('table.sortable th').forEach(function(th){th.tabIndex=0;function sort(){var tb=th.closest('table').tBodies[0];var asc=th.getAttribute('aria-sort')!=='ascending';th.closest('tr').querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort')});th.setAttribute('aria-sort',asc?'ascending':'descending');var key=function(tr){var c=tr.cells[th.cellIndex];return c?(c.dataset.v!==undefined?c.dataset.v:c.textContent):''};Array.from(tb.rows).sort(function(a,b){var x=key(a),y=key(b),nx=parseFloat(x),ny=parseFloat(y);var d=(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny))?nx-ny:String(x).localeCompare(String(y));return asc?d:-d}).forEach(function(tr){tb.appendChild(tr)})}th.addEventListener('click',sort);th.addEventListener('keydown',function(ev){if(ev.key==='Enter'||ev.key===' '){ev.preventDefault();sort()}})});`;
const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
// Nothing may be fetched; the one script allowed is the sorter above, by hash.
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'`;

function table(head: string[], rows: string[][], opts: { sortable?: boolean; caption?: string } = {}): string {
  return [
    `<div class="scroll"><table${opts.sortable ? ' class="sortable"' : ''}>`,
    opts.caption ? `<caption>${e(opts.caption)}</caption>` : '',
    `<thead><tr>${head.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody>`,
    '</table></div>',
  ].join('');
}

const td = (text: string, cls?: string) => `<td${cls ? ` class="${cls}"` : ''}>${e(text)}</td>`;
const tdNum = (text: string, value: number | null) => `<td class="n" data-v="${value ?? ''}">${e(text)}</td>`;

function header(run: RunRow, s: RunSummary): string {
  const verdict = s.gate.criteria.length === 0 ? ['none', 'No gate'] : s.gate.passed ? ['pass', 'Gate passed'] : ['fail', 'Gate FAILED'];
  const meta: [string, string][] = [
    ['Suite', run.suiteName],
    ['Suite version', run.suiteVersion],
    ['Agent', `${run.agentName}@${run.agentVersion}`],
    ['Run', run.id],
    ['Started', when(run.startedAt)],
    ['Finished', when(run.finishedAt)],
    ['Status', run.status],
    ['Cases', `${s.passed}/${s.cases} passed (${withInterval(s.passRate, pct)})`],
    ['Latency', `p50 ${Math.round(s.latencyMs.p50)} ms, p95 ${Math.round(s.latencyMs.p95)} ms, max ${Math.round(s.latencyMs.max)} ms`],
    ['Cost', `$${s.costUsd.toFixed(4)}, ${s.tokens} tokens`],
  ];
  if (s.consistency) {
    const c = s.consistency;
    meta.push(['Consistency', `${c.repeats} repeats: verdicts agree on ${pct(c.agreement)} of cases; pass^${c.repeats} ${pct(c.passAll)}, passed at least once ${pct(c.passAny)}`]);
  }
  const criteria = s.gate.criteria.map((c) => `<li class="${c.passed ? 'pass' : 'fail'}"><strong>${c.passed ? 'pass' : 'FAIL'}</strong> ${e(c.reason)}</li>`);
  return [
    `<header><h1>Test report: ${e(run.suiteName)}</h1>`,
    `<p><span class="verdict ${verdict[0]}">${verdict[1]}</span></p>`,
    criteria.length ? `<ul class="gate" aria-label="Gate criteria">${criteria.join('')}</ul>` : '',
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl></header>`,
  ].join('');
}

function metrics(s: RunSummary): string {
  const quality = s.metrics.filter((m) => !isBudget(m) && m.mean);
  const budgets = s.metrics.filter((m) => isBudget(m));
  const parts = ['<section><h2>Metrics</h2>'];
  if (quality.length) {
    parts.push(barChart({
      id: 'chart-metrics',
      title: 'Mean score per metric',
      desc: `Mean 0..1 score of ${quality.length} metric(s) with bootstrap 95% confidence intervals as whiskers.`,
      max: 1,
      format: (x) => x.toFixed(2),
      bars: quality.map((m) => ({ label: m.metric, value: m.mean!.value, low: m.mean!.low, high: m.mean!.high, note: score(m.mean!.value) })),
    }));
    parts.push(table(['Metric', 'Cases', 'Mean [95% CI]', 'Pass rate [95% CI]', 'p50', 'p95', 'Errors'], quality.map((m) => [
      td(m.metric), tdNum(String(m.cases), m.cases), tdNum(withInterval(m.mean, score), m.mean?.value ?? null), tdNum(withInterval(m.passRate, pct), m.passRate?.value ?? null),
      tdNum(m.p50 === null ? '–' : score(m.p50), m.p50), tdNum(m.p95 === null ? '–' : score(m.p95), m.p95), tdNum(String(m.errors), m.errors),
    ]), { caption: 'Quality metrics (0..1)' }));
  } else {
    parts.push('<p>No quality metric was scored.</p>');
  }
  if (budgets.length) {
    parts.push(table(['Budget', 'Cases', 'Mean', 'p50', 'p95', 'Max', 'Within budget [95% CI]', 'Errors'], budgets.map((m) => {
      const f = (x: number | null) => (x === null ? '–' : measured(m.metric, x));
      return [td(m.metric), tdNum(String(m.cases), m.cases), tdNum(f(m.mean?.value ?? null), m.mean?.value ?? null), tdNum(f(m.p50), m.p50), tdNum(f(m.p95), m.p95), tdNum(f(m.max), m.max), tdNum(withInterval(m.passRate, pct), m.passRate?.value ?? null), tdNum(String(m.errors), m.errors)];
    }), { caption: 'Budgets (measured values)' }));
  }
  parts.push('</section>');
  return parts.join('');
}

function topics(s: RunSummary): string {
  if (s.topics.length === 0) return '<section><h2>Topic accuracy</h2><p>No case expects a topic.</p></section>';
  return [
    '<section><h2>Topic accuracy</h2>',
    barChart({
      id: 'chart-topics',
      title: 'Routing accuracy per expected topic',
      desc: `Share of cases routed to their expected topic, for ${s.topics.length} topic(s); off_topic is cases that should be refused.`,
      max: 1,
      format: pct,
      bars: s.topics.map((t) => ({ label: t.topic, value: t.accuracy, note: `${pct(t.accuracy)} of ${t.cases}` })),
    }),
    table(['Expected topic', 'Cases', 'Accuracy'], s.topics.map((t) => [td(t.topic), tdNum(String(t.cases), t.cases), tdNum(pct(t.accuracy), t.accuracy)])),
    '</section>',
  ].join('');
}

/** Only for runs where the local judge and a model judge scored the same cases. */
function judgeAgreement(s: RunSummary): string {
  if (!s.judgeAgreement?.length) return '';
  const num = (x: number | null) => tdNum(x === null ? '–' : x.toFixed(2), x);
  return [
    '<section><h2>Judge agreement</h2>',
    '<p>How far the offline local judge agrees with each model judge on the cases both scored: verdicts as each one’s threshold decided them, and scores by rank.</p>',
    table(
      ['Judge', 'Compared with', 'Cases', 'Verdicts agree', 'Cohen’s kappa', 'Rank correlation', 'Only the judge passed', 'Only the judge failed'],
      s.judgeAgreement.map((a) => [td(a.judge), td(a.with), tdNum(String(a.cases), a.cases), tdNum(pct(a.agreement), a.agreement), num(a.kappa), num(a.rankCorrelation), tdNum(String(a.judgeOnlyPassed), a.judgeOnlyPassed), tdNum(String(a.judgeOnlyFailed), a.judgeOnlyFailed)]),
    ),
    '</section>',
  ].join('');
}

function rootCauses(s: RunSummary): string {
  if (s.rootCauses.length === 0) return '<section><h2>Failures by root cause</h2><p>No failed case.</p></section>';
  const total = s.rootCauses.reduce((n, r) => n + r.failures, 0);
  return [
    '<section><h2>Failures by root cause</h2>',
    barChart({
      id: 'chart-root-causes',
      title: 'Failed cases per root-cause stage',
      desc: `${total} failed case(s) by the first pipeline stage that went wrong.`,
      max: Math.max(...s.rootCauses.map((r) => r.failures)),
      format: (x) => String(x),
      wholeTicks: true,
      color: RED,
      bars: s.rootCauses.map((r) => ({ label: r.stage, value: r.failures })),
    }),
    table(['Stage', 'Failed cases', 'Share'], s.rootCauses.map((r) => [td(r.stage), tdNum(String(r.failures), r.failures), tdNum(pct(r.failures / total), r.failures / total)])),
    '</section>',
  ].join('');
}

function latency(s: RunSummary, results: CaseResult[]): string {
  if (results.length === 0) return '<section><h2>Latency</h2><p>No case ran.</p></section>';
  const bins = binValues(results.map((r) => r.latencyMs), 12, 1);
  const ms = (x: number) => String(Math.round(x));
  return [
    '<section><h2>Latency</h2>',
    histogram({
      id: 'chart-latency',
      title: 'Latency distribution',
      desc: `Wall time of ${results.length} case run(s) in ${bins.length} bins of milliseconds: p50 ${ms(s.latencyMs.p50)} ms, p95 ${ms(s.latencyMs.p95)} ms, max ${ms(s.latencyMs.max)} ms.`,
      bins,
      format: ms,
      xLabel: 'latency (ms)',
    }),
    '<details><summary>Histogram data</summary>',
    table(['From (ms)', 'To (ms)', 'Cases'], bins.map((b) => [tdNum(ms(b.low), b.low), tdNum(ms(b.high), b.high), tdNum(String(b.count), b.count)])),
    '</details></section>',
  ].join('');
}

/** Trace ids, each a link to its steps further down the page when the report holds them. */
function traces(ids: string[], inPage: Set<string>): string {
  return ids.map((id) => (inPage.has(id) ? `<a href="#${traceAnchor(id)}"><code>${e(id)}</code></a>` : `<code>${e(id)}</code>`)).join(' ');
}

const failedScores = (r: CaseResult) => r.scores.filter((s) => s.passed === false || s.error);

function failures(results: CaseResult[], inPage: Set<string>): string {
  const failed = results.filter((r) => !r.passed);
  if (failed.length === 0) return '<section><h2>Failed cases</h2><p>Every case passed.</p></section>';
  const rows = failed.map((r) => {
    const reasons = failedScores(r).map((s) => `<li><strong>${e(s.evaluator)}</strong>: ${e(s.error ?? s.reason)}</li>`);
    return [
      td(caseName(r)), td(r.rootCause?.stage ?? '?'), td(r.rootCause?.reason ?? 'failed'),
      `<td>${reasons.length ? `<ul class="reasons">${reasons.join('')}</ul>` : '–'}</td>`,
      `<td>${traces(r.traceIds, inPage) || '–'}</td>`,
    ];
  });
  return `<section><h2>Failed cases (${failed.length})</h2>${table(['Case', 'Root cause', 'Reason', 'Failed evaluators', 'Traces'], rows, { sortable: true })}</section>`;
}

function scoreCell(s: Score | undefined): string {
  if (!s) return '<td class="n" data-v="">–</td>';
  const tip = s.error ?? s.reason;
  const shown = s.score === null ? (s.error ? 'error' : 'n/a') : LOWER_IS_BETTER_METRICS.has(s.evaluator) ? measured(s.evaluator, s.score) : score(s.score);
  const mark = s.passed === null ? '' : s.passed ? ' ✓' : ' ✗';
  const cls = s.passed === null ? 'n' : s.passed ? 'n pass' : 'n fail';
  return `<td class="${cls}" data-v="${s.score ?? ''}" title="${e(tip)}">${e(shown + mark)}</td>`;
}

function allCases(results: CaseResult[], inPage: Set<string>): string {
  const metricNames = [...new Set(results.flatMap((r) => r.scores.map((s) => s.evaluator)))].sort();
  const rows = results.map((r) => [
    td(caseName(r)),
    `<td class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'pass' : 'FAIL'}</td>`,
    td(r.expectedTopic === undefined ? '–' : (r.expectedTopic ?? 'off_topic')),
    td(r.topic ?? 'off_topic'),
    tdNum(String(Math.round(r.latencyMs)), r.latencyMs),
    tdNum(String(r.tokens), r.tokens),
    tdNum(`$${r.costUsd.toFixed(4)}`, r.costUsd),
    ...metricNames.map((m) => scoreCell(r.scores.find((s) => s.evaluator === m))),
    `<td>${traces(r.traceIds, inPage) || '–'}</td>`,
  ]);
  return [
    `<section><h2>All cases</h2><details><summary>All ${results.length} case run(s) with their scores</summary>`,
    '<p>Hover a score for its reason. ✓ passed, ✗ failed, n/a not applicable, – not run on the case.</p>',
    table(['Case', 'Verdict', 'Expected topic', 'Topic', 'Latency (ms)', 'Tokens', 'Cost', ...metricNames, 'Traces'], rows, { sortable: true }),
    '</details></section>',
  ].join('');
}

export function renderHtml(run: RunRow, summary: RunSummary, results: CaseResult[], opts: HtmlReportOptions = {}): string {
  const inPage = new Set((opts.traces ?? []).map((t) => t.id));
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${e(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(`${run.suiteName} — run ${run.id}`)}</title>`,
    `<style>${CSS}</style></head><body><main>`,
    header(run, summary),
    metrics(summary),
    topics(summary),
    judgeAgreement(summary),
    rootCauses(summary),
    latency(summary, results),
    failures(results, inPage),
    allCases(results, inPage),
    tracesSection(opts.traces ?? [], opts.missingTraces ?? []),
    `</main><script>${SCRIPT}</script></body></html>`,
    '',
  ].join('\n');
}
