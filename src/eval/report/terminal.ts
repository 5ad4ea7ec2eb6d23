/**
 * A finished run as text for a terminal: the verdict first, then per metric (mean and pass rate
 * with their 95% intervals), per topic, the local judge's agreement with the model judges, per
 * root-cause stage, latency and cost, and the failed cases with the stage and reason and the trace
 * to open.
 */
import type { RunRow } from '../run/store.ts';
import type { RunSummary } from '../run/summary.ts';
import type { Interval } from '../../core/stats.ts';
import type { RunComparison } from '../run/compare.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const interval = (i: Interval | null, asPercent: boolean) => {
  if (!i) return '–';
  const f = (x: number) => (asPercent ? pct(x) : x.toFixed(3));
  return i.low === i.high ? f(i.value) : `${f(i.value)} [${f(i.low)}–${f(i.high)}]`;
};

export function renderRun(run: RunRow, summary: RunSummary, opts: { maxFailures?: number } = {}): string {
  const lines: string[] = [];
  const verdict = summary.gate.criteria.length === 0 ? 'no gate' : summary.gate.passed ? 'gate passed' : 'gate FAILED';
  lines.push(`run ${run.id}  suite ${run.suiteName}@${run.suiteVersion.slice(0, 12)}  agent ${run.agentName}@${run.agentVersion}  ${verdict}`);
  lines.push(`  ${summary.passed}/${summary.cases} cases passed (${interval(summary.passRate, true)})  latency p50 ${summary.latencyMs.p50.toFixed(0)} ms, p95 ${summary.latencyMs.p95.toFixed(0)} ms  cost $${summary.costUsd.toFixed(4)}  ${summary.tokens} tokens`);
  if (summary.consistency) {
    const c = summary.consistency;
    lines.push(`  ${c.repeats} repeats: verdicts agree on ${pct(c.agreement)} of cases; pass^${c.repeats} ${pct(c.passAll)}, passed at least once ${pct(c.passAny)}`);
  }

  lines.push('', 'metrics                 cases  mean                      pass rate');
  for (const m of summary.metrics) {
    lines.push(`  ${m.metric.padEnd(22)}${String(m.cases).padStart(5)}  ${interval(m.mean, false).padEnd(26)}${interval(m.passRate, true)}${m.errors ? `  (${m.errors} errors)` : ''}`);
  }
  if (summary.topics.length > 0) {
    lines.push('', 'topics                  cases  accuracy');
    for (const t of summary.topics) lines.push(`  ${t.topic.padEnd(22)}${String(t.cases).padStart(5)}  ${pct(t.accuracy)}`);
  }
  if (summary.judgeAgreement?.length) {
    lines.push('', 'judge agreement         cases  verdicts agree  kappa   rank corr.');
    for (const a of summary.judgeAgreement) {
      const f = (x: number | null) => (x === null ? '–' : x.toFixed(2));
      lines.push(`  ${`${a.judge} ~ ${a.with}`.padEnd(22)}${String(a.cases).padStart(5)}  ${pct(a.agreement).padEnd(14)}  ${f(a.kappa).padEnd(6)}  ${f(a.rankCorrelation)}`);
    }
  }
  if (summary.rootCauses.length > 0) {
    lines.push('', 'failures by root cause');
    for (const r of summary.rootCauses) lines.push(`  ${r.stage.padEnd(22)}${String(r.failures).padStart(5)}`);
  }
  if (summary.gate.criteria.length > 0) {
    lines.push('', 'gate');
    for (const c of summary.gate.criteria) lines.push(`  ${c.passed ? 'pass' : 'FAIL'}  ${c.reason}`);
  }
  const max = opts.maxFailures ?? 20;
  if (summary.failed.length > 0) {
    lines.push('', `failed cases${summary.failed.length > max ? ` (first ${max} of ${summary.failed.length})` : ''}`);
    for (const f of summary.failed.slice(0, max)) {
      lines.push(`  ${f.caseId}${f.repeat > 1 ? ` #${f.repeat}` : ''}  [${f.stage ?? '?'}] ${f.reason}${f.traceIds.length ? `  trace ${f.traceIds.at(-1)}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The comparison with the baseline run: metric deltas with their p-values, then regressed and fixed cases. */
export function renderComparison(cmp: RunComparison, opts: { maxCases?: number } = {}): string {
  const max = opts.maxCases ?? 20;
  const sign = (x: number) => (x > 0 ? `+${x.toFixed(3)}` : x.toFixed(3));
  const lines = ['', `compared with run ${cmp.baselineRunId} (paired, on the cases both runs have)`];
  const rows = [...(cmp.passRate ? [cmp.passRate] : []), ...cmp.metrics];
  for (const m of rows) {
    const mark = m.significant ? (m.delta < 0 ? '  worse' : '  better') : '';
    lines.push(`  ${m.metric.padEnd(22)}${m.baseline.toFixed(3)} → ${m.current.toFixed(3)}  ${sign(m.delta)}  p=${m.pValue.toFixed(3)}  (${m.cases} cases)${mark}`);
  }
  const list = (label: string, ids: string[]) => {
    if (ids.length === 0) return;
    const shown = ids.slice(0, max).join(', ');
    lines.push(`  ${label} (${ids.length}): ${shown}${ids.length > max ? ', …' : ''}`);
  };
  list('regressed', cmp.regressed);
  list('fixed', cmp.fixed);
  list('new cases', cmp.added);
  list('cases no longer in the suite', cmp.removed);
  return `${lines.join('\n')}\n`;
}
