/**
 * JUnit XML for CI systems: one testsuite per run, one testcase per case (and repeat), a <failure>
 * naming the root-cause stage and every failed evaluator with its reason, and the gate as a testcase
 * of its own so a failed gate shows up where CI looks.
 */
import type { CaseResult } from '../run/aggregate.ts';
import type { RunRow } from '../run/store.ts';
import type { RunSummary } from '../run/summary.ts';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!)
    // XML 1.0 forbids most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function renderJunit(run: RunRow, summary: RunSummary, results: CaseResult[]): string {
  const gateFailed = summary.gate.criteria.length > 0 && !summary.gate.passed;
  const failures = results.filter((r) => !r.passed).length + (gateFailed ? 1 : 0);
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="agentproof" tests="${results.length + 1}" failures="${failures}">`,
    `  <testsuite name="${escape(run.suiteName)}" tests="${results.length + 1}" failures="${failures}" timestamp="${run.startedAt.toISOString()}">`,
    `    <properties><property name="run" value="${escape(run.id)}"/><property name="agent" value="${escape(`${run.agentName}@${run.agentVersion}`)}"/><property name="suite_version" value="${escape(run.suiteVersion)}"/></properties>`,
  ];
  for (const r of results) {
    const name = r.repeat > 1 ? `${r.caseId} #${r.repeat}` : r.caseId;
    lines.push(`    <testcase classname="${escape(run.suiteName)}" name="${escape(name)}" time="${seconds(r.latencyMs)}">`);
    if (!r.passed) {
      const failed = r.scores.filter((s) => s.passed === false || s.error);
      const detail = failed.map((s) => `${s.evaluator}: ${s.error ?? s.reason}`).join('\n');
      lines.push(`      <failure message="${escape(`[${r.rootCause?.stage ?? '?'}] ${r.rootCause?.reason ?? 'failed'}`)}">${escape(detail)}</failure>`);
    }
    if (r.traceIds.length) lines.push(`      <system-out>${escape(`traces: ${r.traceIds.join(' ')}`)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push(`    <testcase classname="${escape(run.suiteName)}" name="gate" time="0">`);
  if (gateFailed) {
    lines.push(`      <failure message="gate failed">${escape(summary.gate.criteria.filter((c) => !c.passed).map((c) => c.reason).join('\n'))}</failure>`);
  }
  lines.push('    </testcase>', '  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
