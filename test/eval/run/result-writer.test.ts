import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConflictError } from '../../../src/core/errors.ts';
import { ResultWriter } from '../../../src/eval/run/result-writer.ts';
import { createRun, resultsOf, type StoredResult } from '../../../src/eval/run/store.ts';
import { errorOutput } from '../../../src/eval/targets/request.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../../src/store/db.ts';
import { storeVariants } from '../../helpers/stores.ts';

for (const variant of storeVariants()) {
  describe(`result writer on ${variant.name}`, () => {
    let db: Db;
    before(async () => {
      db = await variant.open();
    });
    after(() => db.close());

    async function newRun(id: string): Promise<string> {
      await createRun(db, { id, projectId: DEFAULT_PROJECT_ID, suiteName: 's', suiteFile: 's.yaml', suiteVersion: 'v1', agentName: 'a', agentVersion: 'v1', models: {}, repeats: 1, caseCount: 10, config: {} });
      return id;
    }

    function result(caseId: string): StoredResult {
      return {
        caseId,
        repeat: 1,
        passed: false,
        rootCause: { stage: 'respond', reason: 'no reply' },
        scores: [{ evaluator: 'contains', score: 0, passed: false, threshold: 1, reason: 'missing "refund" — it\'s "quoted"' }],
        latencyMs: 12.5,
        costUsd: 0.001,
        tokens: 3,
        expectedTopic: null,
        topic: 'billing',
        traceIds: ['tr_1', 'tr_2'],
        tags: ['smoke'],
        output: errorOutput('timed out', 12.5),
      };
    }

    const stored = async (runId: string) => (await resultsOf(db, DEFAULT_PROJECT_ID, runId)).map((r) => r.caseId);

    /** Waits until the store holds exactly `ids` (a write is not awaited by add), or fails after 5 s. */
    async function until(runId: string, ids: string[]): Promise<void> {
      for (const started = Date.now(); Date.now() - started < 5000; await new Promise((resolve) => setTimeout(resolve, 10))) {
        if ((await stored(runId)).join() === ids.join()) return;
      }
      assert.deepEqual(await stored(runId), ids);
    }

    test('a full batch is written without waiting for its delay, every field intact', async () => {
      const runId = await newRun('run_writer_batches');
      const writer = new ResultWriter(db, DEFAULT_PROJECT_ID, runId, { maxRows: 3, maxDelayMs: 60_000, quietMs: 60_000 });
      for (const id of ['c1', 'c2', 'c3', 'c4']) await writer.add(result(id));
      await until(runId, ['c1', 'c2', 'c3']);
      const [back] = await resultsOf(db, DEFAULT_PROJECT_ID, runId);
      const { output, ...rest } = result('c1');
      assert.deepEqual({ ...back, output: undefined }, { ...rest, output: undefined });
      assert.equal(back.output.error, output.error);
      await writer.close();
      assert.deepEqual(await stored(runId), ['c1', 'c2', 'c3', 'c4']);
    });

    test('a batch that neither fills nor sees a pause is written once its delay is up', async () => {
      const runId = await newRun('run_writer_delay');
      const writer = new ResultWriter(db, DEFAULT_PROJECT_ID, runId, { maxRows: 100, maxDelayMs: 20, quietMs: 60_000 });
      await writer.add(result('c1'));
      await until(runId, ['c1']);
      await writer.close();
    });

    test('a batch is written as soon as results pause', async () => {
      const runId = await newRun('run_writer_quiet');
      const writer = new ResultWriter(db, DEFAULT_PROJECT_ID, runId, { maxRows: 100, maxDelayMs: 60_000, quietMs: 20 });
      await writer.add(result('c1'));
      await writer.add(result('c2'));
      await until(runId, ['c1', 'c2']);
      await writer.close();
    });

    test('close writes what is still queued', async () => {
      const runId = await newRun('run_writer_close');
      const writer = new ResultWriter(db, DEFAULT_PROJECT_ID, runId, { maxRows: 100, maxDelayMs: 60_000, quietMs: 60_000 });
      await writer.add(result('c1'));
      await writer.add(result('c2'));
      assert.deepEqual(await stored(runId), []);
      await writer.close();
      assert.deepEqual(await stored(runId), ['c1', 'c2']);
    });

    test('a write that fails is reported by close, and no later result is taken', async () => {
      const runId = await newRun('run_writer_conflict');
      const writer = new ResultWriter(db, DEFAULT_PROJECT_ID, runId, { maxRows: 2, maxDelayMs: 10, quietMs: 10 });
      await writer.add(result('c1'));
      await writer.add(result('c1'));
      await assert.rejects(writer.close(), (err: unknown) => err instanceof ConflictError && /already has a result in run run_writer_conflict/.test(err.message));
      await assert.rejects(writer.add(result('c2')), ConflictError);
      assert.deepEqual(await stored(runId), [], 'the failed batch is not half-written');
    });
  });
}
