import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTraceTree } from '../../src/trace/render.ts';
import { sampleTrace } from '../helpers/traces.ts';

test('the tree shows the trace totals in its header', () => {
  const out = renderTraceTree(sampleTrace());
  const header = out.split('\n')[0];
  assert.match(header, /^trace trc_\w+ {2}support@v1a2b3c {2}completed {2}2026-01-15T09:30:00\.000Z {2}950 ms {2}320→70 tok {2}\$0\.000090 {2}topic order_status$/);
  assert.match(out, /input: {2}where is my order A1\?/);
  assert.match(out, /output: Your order A1 shipped yesterday\./);
});

test('each span is a line under its parent with kind, name, status, duration, model, tokens and cost', () => {
  const lines = renderTraceTree(sampleTrace()).split('\n');
  const at = (name: string) => lines.findIndex((l) => l.includes(`  ${name}  `));
  assert.match(lines[at('turn')], /^turn {2}turn {2}ok {2}950 ms$/);
  assert.match(lines[at('guard input')], /^├─ guard {2}guard input {2}ok {2}2\.0 ms$/);
  assert.match(lines[at('answer step 1')], /^├─ model {2}answer step 1 {2}ok {2}585 ms {2}openai\/gpt-4o-mini {2}120→30 tok {2}\$0\.000036$/);
  assert.match(lines[at('respond')], /^└─ respond {2}respond {2}ok {2}10 ms$/);
  assert.ok(at('turn') < at('guard input') && at('guard input') < at('route') && at('route') < at('respond'));
});

test('route spans show topic and confidence, tool spans their arguments, failed spans their error', () => {
  const lines = renderTraceTree(sampleTrace()).split('\n');
  assert.ok(lines.some((l) => /route {2}route {2}ok {2}12 ms {2}topic=order_status confidence=0\.93$/.test(l)));
  assert.ok(lines.some((l) => /tool {2}lookup_order {2}ok {2}40 ms {2}args \{"orderId":"A1"\}$/.test(l)));
  const failed = lines.findIndex((l) => /tool {2}notify_customer {2}error {2}60 ms/.test(l));
  assert.ok(failed > 0);
  assert.match(lines[failed + 1], /^│ {5}error: webhook answered 500$/);
});

test('nested spans are drawn below their parent and orphans still show', () => {
  const trace = sampleTrace();
  const guard = trace.spans[1];
  const child = { ...guard, id: 'spn_child', parentId: guard.id, name: 'pii scan', startedAt: new Date(guard.startedAt.getTime() + 1) };
  const orphan = { ...guard, id: 'spn_orphan', parentId: 'spn_gone', name: 'resumed step' };
  const lines = renderTraceTree({ ...trace, spans: [...trace.spans, child, orphan] }).split('\n');
  const guardLine = lines.findIndex((l) => l.includes('guard input'));
  assert.match(lines[guardLine + 1], /^│ {2}└─ guard {2}pii scan/);
  assert.ok(lines.some((l) => /^guard {2}resumed step/.test(l)), 'the orphan is drawn as a root');
});

test('colours appear only when asked for', () => {
  const trace = sampleTrace({ status: 'failed', error: 'model timed out' });
  assert.doesNotMatch(renderTraceTree(trace), /\u001b\[/);
  const coloured = renderTraceTree(trace, { color: true });
  assert.match(coloured, /\u001b\[31mfailed\u001b\[0m/);
  assert.match(coloured, /error: {2}model timed out/);
});
