import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DomUtils, Parser, parseDocument } from 'htmlparser2';
import type { CaseResult } from '../../../src/eval/run/aggregate.ts';
import type { RunRow } from '../../../src/eval/run/store.ts';
import { summarize } from '../../../src/eval/run/summary.ts';
import { renderHtml, type HtmlReportOptions } from '../../../src/eval/report/html.ts';
import type { Span, TraceWithSpans } from '../../../src/trace/types.ts';
import { binValues } from '../../../src/eval/report/svg.ts';

const run: RunRow = {
  id: 'run_1', projectId: 'default', suiteName: 'acme-regression', suiteFile: 's.yaml', suiteVersion: 'v1abc', agentName: 'acme', agentVersion: '3',
  models: {}, status: 'completed', repeats: 1, caseCount: 4, config: {}, startedAt: new Date('2026-11-24T10:00:00Z'), finishedAt: new Date('2026-11-24T10:01:00Z'), summary: null,
};

const ok = (caseId: string, latencyMs: number): CaseResult => ({
  caseId, repeat: 1, passed: true, rootCause: null, latencyMs, costUsd: 0.001, tokens: 120, expectedTopic: 'billing', topic: 'billing', traceIds: [`trc_${caseId}`], tags: [],
  scores: [
    { evaluator: 'topic_match', score: 1, passed: true, threshold: 1, reason: 'routed "billing"' },
    { evaluator: 'local_judge', score: 0.8, passed: true, threshold: 0.5, reason: 'states every fact' },
    { evaluator: 'latency_ms', score: latencyMs, passed: true, threshold: 5000, reason: `${latencyMs} ms` },
  ],
});

const results: CaseResult[] = [
  ok('refund-policy', 900),
  ok('invoice-copy', 1400),
  {
    caseId: 'wrong-route', repeat: 1, passed: false, rootCause: { stage: 'route', reason: 'topic_match: routed "shipping", expected "billing"' },
    latencyMs: 2300, costUsd: 0.002, tokens: 200, expectedTopic: 'billing', topic: 'shipping', traceIds: ['trc_wrong'], tags: [],
    scores: [
      { evaluator: 'topic_match', score: 0, passed: false, threshold: 1, reason: 'routed "shipping", expected "billing"' },
      { evaluator: 'local_judge', score: 0.2, passed: false, threshold: 0.5, reason: 'misses the fact "30 days"' },
      { evaluator: 'latency_ms', score: 2300, passed: true, threshold: 5000, reason: '2300 ms' },
    ],
  },
  {
    caseId: '<script>alert(1)</script>', repeat: 1, passed: false, rootCause: { stage: 'respond', reason: 'local_judge: <script>alert(2)</script>' },
    latencyMs: 4100, costUsd: 0.003, tokens: 300, expectedTopic: null, topic: null, traceIds: ['trc_"><script>'], tags: [],
    scores: [{ evaluator: 'local_judge', score: 0.1, passed: false, threshold: 0.5, reason: 'reply was <img src=x onerror=alert(3)>' }],
  },
];

const gate = [{ metric: 'topic_match', aggregate: 'mean' as const, op: '>=' as const, threshold: 0.9, minCases: 2 }];

function render(opts: HtmlReportOptions = {}) {
  const summary = summarize(results, gate, 1);
  return renderHtml(run, summary, results, opts);
}

const at = (ms: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + ms);
function span(id: string, parentId: string | null, kind: Span['kind'], name: string, startMs: number, over: Partial<Span> = {}): Span {
  return {
    id, traceId: 'trc_wrong', parentId, kind, name, status: 'ok', startedAt: at(startMs), endedAt: at(startMs + 5), durationMs: 5, model: null,
    inputTokens: 0, outputTokens: 0, costUsd: 0, input: null, output: null, attributes: {}, error: null, ...over,
  };
}

/** The failed routing case's trace: the turn, then (listed out of order) its route and a failed model call. */
const wrongTrace: TraceWithSpans = {
  id: 'trc_wrong', projectId: 'default', sessionId: 'ses_1', turnId: 'turn_1', agentName: 'acme', agentVersion: '3', channel: 'test', status: 'completed',
  startedAt: at(0), endedAt: at(40), durationMs: 40, input: 'Where is my <b>refund</b>?', output: 'Shipping takes 3 days.', error: null, topic: 'shipping',
  inputTokens: 30, outputTokens: 12, costUsd: 0.001, stages: null,
  spans: [
    span('s3', 's1', 'model', 'respond with model', 20, { status: 'error', error: 'HTTP 500 <oops>', model: 'openai/gpt-4o-mini', inputTokens: 30, outputTokens: 12 }),
    span('s1', null, 'turn', 'turn', 0, { durationMs: 40 }),
    span('s2', 's1', 'route', 'route', 2, { attributes: { topic: 'shipping', note: '<script>alert(4)</script>' } }),
  ],
};

test('the report names the suite, agent and run and shows the failed gate with each criterion', () => {
  const html = render();
  assert.match(html, /<h1>Test report: acme-regression<\/h1>/);
  assert.match(html, /acme@3/);
  assert.match(html, /run_1/);
  assert.match(html, /<span class="verdict fail">Gate FAILED<\/span>/);
  assert.match(html, /<li class="fail"><strong>FAIL<\/strong> topic_match mean &gt;= 0\.9: 0\.6667 over 3 case\(s\) — not met<\/li>/);
});

test('every chart is an inline SVG with a title and description, and budget metrics stay off the 0..1 chart', () => {
  const doc = parseDocument(render());
  const svgs = DomUtils.getElementsByTagName('svg', doc);
  assert.equal(svgs.length, 4);
  const titles = svgs.map((s) => DomUtils.textContent(DomUtils.findOne((n) => n.name === 'title', s.children)!));
  assert.deepEqual(titles, ['Mean score per metric', 'Routing accuracy per expected topic', 'Failed cases per root-cause stage', 'Latency distribution']);
  for (const s of svgs) assert.ok(DomUtils.findOne((n) => n.name === 'desc', s.children), 'each chart has a <desc>');
  const metricsChart = DomUtils.getOuterHTML(svgs[0]);
  assert.match(metricsChart, /local_judge/);
  assert.doesNotMatch(metricsChart, /latency_ms/);
  assert.match(render(), /<caption>Budgets \(measured values\)<\/caption>/);
});

test('failed cases list the root cause, the reason and every failed evaluator', () => {
  const html = render();
  const section = html.slice(html.indexOf('<h2>Failed cases (2)</h2>'), html.indexOf('<h2>All cases</h2>'));
  assert.match(section, /<td>wrong-route<\/td><td>route<\/td><td>topic_match: routed &quot;shipping&quot;, expected &quot;billing&quot;<\/td>/);
  assert.match(section, /<li><strong>local_judge<\/strong>: misses the fact &quot;30 days&quot;<\/li>/);
  assert.doesNotMatch(section, /refund-policy/);
});

test('markup from case ids, reasons and trace ids is escaped', () => {
  const html = render({ traces: [wrongTrace], missingTraces: ['trc_"><script>'] });
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /<b>refund/);
  assert.doesNotMatch(html, /<oops>/);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /reply was &lt;img src=x onerror=alert\(3\)&gt;/);
  assert.doesNotMatch(html, /"><script>/);
  // The only script is the sorter, and the page's policy allows exactly that one by hash.
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  const hash = createHash('sha256').update(scripts[0]).digest('base64');
  assert.match(html, new RegExp(`script-src &#39;sha256-${hash.replace(/[+/]/g, '\\$&')}&#39;`));
});

test('the report loads nothing from the network; trace links lead to the traces drawn in the page', () => {
  const plain = render();
  for (const bad of [/src="http/i, /href="http/i, /@import/i, /url\(/i, /<link/i]) assert.doesNotMatch(plain, bad);
  assert.match(plain, /<code>trc_wrong<\/code>/);
  assert.doesNotMatch(plain, /Traces of failed cases/);

  const linked = render({ traces: [wrongTrace], missingTraces: ['trc_gone'] });
  const hrefs = [...linked.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(hrefs)], ['#trace-trc_wrong'], 'only the trace in the page is linked, and only within the page');
  assert.match(linked, /<a href="#trace-trc_wrong"><code>trc_wrong<\/code><\/a>/);
  assert.match(linked, /Not included \(1\): <code>trc_gone<\/code>/);
});

test("a failed case's trace shows every step under its parent, in start order, with its error", () => {
  const html = render({ traces: [wrongTrace] });
  const doc = parseDocument(html);
  const block = DomUtils.findOne((n) => n.attribs?.id === 'trace-trc_wrong', doc.children)!;
  assert.ok(block, 'the trace has its anchor');
  const rows = DomUtils.getElementsByTagName('tr', block).slice(1).map((tr) => DomUtils.getElementsByTagName('td', tr).map((td) => DomUtils.textContent(td)));
  assert.deepEqual(rows.map((r) => [r[0], r[1], r[2]]), [['turn', 'turn', 'ok'], ['route', 'route', 'ok'], ['respond with model', 'model', 'error']]);
  assert.equal(rows[2][4], '42');
  assert.equal(rows[2][5], 'openai/gpt-4o-mini');
  assert.equal(rows[2][6], 'HTTP 500 <oops>');
  assert.match(DomUtils.textContent(block), /Shipping takes 3 days\./);
  const indents = DomUtils.getElementsByTagName('tr', block).slice(1).map((tr) => DomUtils.getElementsByTagName('td', tr)[0].attribs.style);
  assert.deepEqual(indents, ['padding-left:8px', 'padding-left:24px', 'padding-left:24px']);
});

test('the markup is balanced: every main element opened is explicitly closed', () => {
  const opened = new Map<string, number>();
  const closed = new Map<string, number>();
  const parser = new Parser({
    onopentag: (name) => opened.set(name, (opened.get(name) ?? 0) + 1),
    onclosetag: (name, implied) => {
      if (!implied) closed.set(name, (closed.get(name) ?? 0) + 1);
    },
  });
  parser.write(render({ traces: [wrongTrace], missingTraces: ['trc_gone'] }));
  parser.end();
  for (const tag of ['html', 'head', 'body', 'main', 'header', 'section', 'h1', 'h2', 'table', 'thead', 'tbody', 'tr', 'td', 'th', 'ul', 'li', 'dl', 'dt', 'dd', 'details', 'summary', 'svg', 'g', 'text', 'title', 'desc', 'script', 'style', 'div', 'p', 'code']) {
    assert.equal(closed.get(tag) ?? 0, opened.get(tag) ?? 0, `<${tag}> opened ${opened.get(tag) ?? 0}, closed ${closed.get(tag) ?? 0}`);
  }
  assert.ok((opened.get('svg') ?? 0) > 0 && (opened.get('td') ?? 0) > 0);
});

test('a run that passed its gate says so in green and has no failed-case table', () => {
  const passing = results.slice(0, 2);
  const html = renderHtml(run, summarize(passing, gate, 1), passing);
  assert.match(html, /<span class="verdict pass">Gate passed<\/span>/);
  assert.match(html, /<p>Every case passed\.<\/p>/);
  assert.match(html, /<p>No failed case\.<\/p>/);
});

test('latency bins have a nice width, cover every value and count each once', () => {
  const values = [900, 1400, 2300, 4100, 4100, 0];
  const bins = binValues(values, 12, 1);
  assert.equal(bins[0].low, 0);
  assert.ok(bins.at(-1)!.high >= 4100);
  assert.equal(bins.reduce((n, b) => n + b.count, 0), values.length);
  assert.ok(bins.length >= 8 && bins.length <= 14, `${bins.length} bins`);
  assert.deepEqual(binValues([5, 5], 12, 1), [{ low: 5, high: 6, count: 2 }]);
  assert.deepEqual(binValues([]), []);
});

test('the local judge’s agreement with a model judge is a table when both ran, and absent otherwise', () => {
  assert.doesNotMatch(render(), /Judge agreement/);
  const summary = {
    ...summarize(results, gate, 1),
    judgeAgreement: [{ judge: 'local_judge', with: 'correctness', cases: 40, agreement: 0.875, kappa: null, rankCorrelation: 0.8123, judgeOnlyPassed: 3, judgeOnlyFailed: 2 }],
  };
  const html = renderHtml(run, summary, results);
  assert.match(html, /<h2>Judge agreement<\/h2>/);
  assert.match(html, /<td>local_judge<\/td><td>correctness<\/td><td class="n" data-v="40">40<\/td><td class="n" data-v="0.875">87\.5%<\/td><td class="n" data-v="">–<\/td><td class="n" data-v="0.8123">0\.81<\/td>/);
});
