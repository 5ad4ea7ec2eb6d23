import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NotFoundError } from '../../src/core/errors.ts';
import { newId } from '../../src/core/ids.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { appendSpans, finishTrace, getTrace, insertTrace, listTraces } from '../../src/trace/store.ts';
import type { Span } from '../../src/trace/types.ts';
import { sampleTrace, withoutSpans } from '../helpers/traces.ts';
import { storeVariants } from '../helpers/stores.ts';

const byId = (a: Span, b: Span) => (a.id < b.id ? -1 : 1);

for (const variant of storeVariants()) {
  describe(`the trace store on ${variant.name}`, () => {
    let db: Db;
    before(async () => {
      db = await variant.open();
      await db.query(`INSERT INTO projects (id, name) VALUES ('other', 'Other')`);
    });
    after(() => db.close());

    test('a trace written with its spans reads back field for field', async () => {
      const trace = sampleTrace();
      await insertTrace(db, withoutSpans(trace), trace.spans);
      const read = await getTrace(db, DEFAULT_PROJECT_ID, trace.id);
      assert.deepEqual({ ...read, spans: [...read.spans].sort(byId) }, { ...trace, spans: [...trace.spans].sort(byId) });
      // Spans come back in the order they started.
      assert.deepEqual(read.spans.map((s) => s.name), trace.spans.map((s) => s.name));
    });

    test('a trace of another project is not found', async () => {
      const trace = sampleTrace({ projectId: 'other' });
      await insertTrace(db, withoutSpans(trace), trace.spans);
      await assert.rejects(getTrace(db, DEFAULT_PROJECT_ID, trace.id), NotFoundError);
      assert.equal((await getTrace(db, 'other', trace.id)).spans.every((s) => s.traceId === trace.id), true);
      const [{ projects }] = await db.query<{ projects: string }>(
        `SELECT string_agg(DISTINCT project_id, ',') AS projects FROM spans WHERE trace_id = $1`,
        [trace.id],
      );
      assert.equal(projects, 'other');
    });

    test('a suspended trace is appended to and finished with its totals', async () => {
      const trace = sampleTrace({ status: 'awaiting_approval', endedAt: null, durationMs: null, output: null });
      await insertTrace(db, withoutSpans(trace), trace.spans.slice(0, 3));
      await appendSpans(db, trace.spans.slice(3));
      const endedAt = new Date(trace.startedAt.getTime() + 2500);
      await finishTrace(db, trace.id, { status: 'completed', endedAt, output: 'shipped', inputTokens: 320, outputTokens: 70, costUsd: 0.00009 });
      const read = await getTrace(db, DEFAULT_PROJECT_ID, trace.id);
      assert.equal(read.spans.length, trace.spans.length);
      assert.equal(read.status, 'completed');
      assert.deepEqual(read.endedAt, endedAt);
      assert.equal(read.durationMs, 2500);
      assert.equal(read.output, 'shipped');
      // Fields not given keep their value.
      assert.equal(read.topic, 'order_status');
      assert.deepEqual([read.inputTokens, read.outputTokens, read.costUsd], [320, 70, 0.00009]);
    });

    test('spans for a trace that does not exist are refused and none of the batch is kept', async () => {
      const known = sampleTrace();
      await insertTrace(db, withoutSpans(known), []);
      const stray = sampleTrace().spans[0];
      const fine = { ...sampleTrace().spans[1], traceId: known.id };
      await assert.rejects(db.transaction((tx) => appendSpans(tx, [fine, stray])), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.match(err.message, new RegExp(stray.traceId));
        return true;
      });
      assert.equal((await getTrace(db, DEFAULT_PROJECT_ID, known.id)).spans.length, 0);
      await assert.rejects(finishTrace(db, 'trc_missing', { status: 'failed', endedAt: new Date(), inputTokens: 0, outputTokens: 0, costUsd: 0 }), NotFoundError);
    });

    test('a turn with thousands of spans is written whole and read back in order', async () => {
      const trace = sampleTrace();
      const template = trace.spans[1];
      const spans = Array.from({ length: 4000 }, (_, i) => ({ ...template, id: newId('spn'), name: `step ${i}` }));
      await insertTrace(db, withoutSpans(trace), spans);
      const read = (await getTrace(db, DEFAULT_PROJECT_ID, trace.id)).spans;
      assert.equal(read.length, 4000);
      assert.deepEqual(read.map((s) => s.name), spans.map((s) => s.name));
    });

    test('the latest traces list newest first and filter by agent, session, status and start time', async () => {
      const base = Date.UTC(2030, 5, 1);
      const session = newId('sess');
      const traces = [
        sampleTrace({ startedAt: new Date(base + 1000), agentName: 'sales' }),
        sampleTrace({ startedAt: new Date(base + 2000), agentName: 'sales', status: 'failed' }),
        sampleTrace({ startedAt: new Date(base + 3000), agentName: 'billing', sessionId: session }),
      ];
      for (const t of traces) await insertTrace(db, withoutSpans(t), []);
      const ids = (list: { id: string }[]) => list.map((t) => t.id);

      assert.deepEqual(ids(await listTraces(db, DEFAULT_PROJECT_ID, { limit: 3 })), [traces[2].id, traces[1].id, traces[0].id]);
      assert.deepEqual(ids(await listTraces(db, DEFAULT_PROJECT_ID, { agentName: 'sales' })), [traces[1].id, traces[0].id]);
      assert.deepEqual(ids(await listTraces(db, DEFAULT_PROJECT_ID, { sessionId: session })), [traces[2].id]);
      assert.deepEqual(ids(await listTraces(db, DEFAULT_PROJECT_ID, { agentName: 'sales', status: 'failed' })), [traces[1].id]);
      assert.deepEqual(ids(await listTraces(db, DEFAULT_PROJECT_ID, { limit: 2, before: traces[2].startedAt })), [traces[1].id, traces[0].id]);
      const [listed] = await listTraces(db, DEFAULT_PROJECT_ID, { limit: 1 });
      assert.deepEqual(listed, withoutSpans(traces[2]));
      assert.ok((await listTraces(db, 'other')).every((t) => t.projectId === 'other'));
    });
  });
}
