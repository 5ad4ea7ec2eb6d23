import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DomUtils, Parser, parseDocument } from 'htmlparser2';
import type { CaseResult } from '../../../src/eval/run/aggregate.ts';
import type { RunRow } from '../../../src/eval/run/store.ts';
import { summarize } from '../../../src/eval/run/summary.ts';
import { renderHtml } from '../../../src/eval/report/html.ts';
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

function render(traceUrl?: (id: string) => string | null) {
  const summary = summarize(results, gate, 1);
  return renderHtml(run, summary, results, traceUrl ? { traceUrl } : {});
}

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
  const html = render((id) => `http://localhost:7070/traces/${encodeURIComponent(id)}`);
  assert.doesNotMatch(html, /<script>alert/);
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

test('the report loads nothing from the network; links go only to traces when asked', () => {
  const plain = render();
  for (const bad of [/src="http/i, /href="http/i, /@import/i, /url\(/i, /<link/i]) assert.doesNotMatch(plain, bad);
  assert.match(plain, /<code>trc_wrong<\/code>/);

  const linked = render((id) => `http://localhost:7070/traces/${encodeURIComponent(id)}`);
  const hrefs = [...linked.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(hrefs.length >= 4);
  for (const h of hrefs) assert.match(h, /^http:\/\/localhost:7070\/traces\//);
  assert.match(linked, /<a href="http:\/\/localhost:7070\/traces\/trc_wrong"><code>trc_wrong<\/code><\/a>/);
  assert.doesNotMatch(linked, /src="http/i);
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
  parser.write(render());
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
