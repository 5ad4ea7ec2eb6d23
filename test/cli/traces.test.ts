import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import { insertTrace } from '../../src/trace/store.ts';
import type { TraceWithSpans } from '../../src/trace/types.ts';
import { removeTempDir, tempDataDir } from '../helpers/stores.ts';
import { sampleTrace, withoutSpans } from '../helpers/traces.ts';
import { runCli } from '../helpers/cli.ts';

const run = (args: string[]) => runCli(args);

describe('agentproof traces and agentproof trace on an embedded store', () => {
  let data: string;
  let traces: TraceWithSpans[];
  before(async () => {
    data = await tempDataDir();
    traces = [
      sampleTrace({ startedAt: new Date(Date.UTC(2026, 2, 1, 10)), agentName: 'sales', topic: 'pricing', input: 'how much\nis the pro plan?' }),
      sampleTrace({ startedAt: new Date(Date.UTC(2026, 2, 1, 11)), status: 'failed', error: 'model timed out', topic: null }),
      sampleTrace({ startedAt: new Date(Date.UTC(2026, 2, 1, 12)) }),
    ];
    const db = await openStore({ dataDir: data, databaseUrl: '', command: 'agentproof test' });
    try {
      for (const t of traces) await insertTrace(db, withoutSpans(t), t.spans);
    } finally {
      await db.close();
    }
  });
  after(() => removeTempDir(data));

  test('traces prints a table of the latest traces, newest first', async () => {
    const r = await run(['traces', '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^ID\s+TIME\s+AGENT\s+STATUS\s+TOPIC\s+DURATION\s+TOKENS\s+COST\s+INPUT$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), [traces[2].id, traces[1].id, traces[0].id]);
    assert.match(lines[1], /support\s+completed\s+order_status\s+950 ms\s+390\s+\$0\.000090\s+where is my order A1\?$/);
    assert.match(lines[2], /failed\s+-\s+/);
    assert.match(lines[3], /sales\s+completed\s+pricing\s+.*how much is the pro plan\?$/);
  });

  test('traces --json filters by agent and prints ISO dates', async () => {
    const r = await run(['traces', '--agent', 'sales', '--json', '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { traces: { id: string; startedAt: string }[] };
    assert.deepEqual(body.traces.map((t) => t.id), [traces[0].id]);
    assert.equal(body.traces[0].startedAt, '2026-03-01T10:00:00.000Z');
  });

  test('traces --limit takes only a whole number from 1 to 1000, exiting 2 otherwise', async () => {
    const r = await run(['traces', '--limit', 'lots', '--data', data]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--limit must be a whole number from 1 to 1000, got lots/);
    const one = await run(['traces', '--limit', '1', '--json', '--data', data]);
    assert.equal((JSON.parse(one.stdout) as { traces: unknown[] }).traces.length, 1);
  });

  test('trace ID prints the tree of spans with the totals', async () => {
    const r = await run(['trace', traces[2].id, '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^trace ${traces[2].id} .* 950 ms {2}320→70 tok {2}\\$0\\.000090`));
    for (const name of ['guard input', 'route', 'answer step 1', 'lookup_order', 'respond']) assert.ok(r.stdout.includes(name), name);
    assert.doesNotMatch(r.stdout, /\u001b\[/);
  });

  test('trace ID --json prints the trace with its spans', async () => {
    const r = await run(['trace', traces[1].id, '--json', '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { id: string; error: string; spans: { name: string }[] };
    assert.equal(body.id, traces[1].id);
    assert.equal(body.error, 'model timed out');
    assert.equal(body.spans.length, traces[1].spans.length);
  });

  test('trace with an unknown id says so and exits 2', async () => {
    const r = await run(['trace', 'trc_nope', '--data', data]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /trace not found: trc_nope/);
  });
});
