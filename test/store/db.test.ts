import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/store/db.ts';
import { storeVariants } from '../helpers/stores.ts';

for (const variant of storeVariants()) {
  describe(`the ${variant.name} store`, () => {
    let db: Db;
    before(async () => {
      db = await variant.open();
    });
    after(() => db.close());

    test('returns timestamps as Date, jsonb parsed, and counts as numbers', async () => {
      await db.query(`INSERT INTO projects (id, name) VALUES ($1, $2)`, ['types', 'Types']);
      const [row] = await db.query<{ created_at: unknown; doc: unknown; n: unknown }>(
        `SELECT created_at, $1::jsonb AS doc, (SELECT count(*) FROM projects) AS n FROM projects WHERE id = 'types'`,
        [JSON.stringify({ a: [1, 'two'], b: null })],
      );
      assert.ok(row.created_at instanceof Date);
      assert.deepEqual(row.doc, { a: [1, 'two'], b: null });
      assert.equal(typeof row.n, 'number');
    });

    test('a query without parameters may run several statements and returns the last one', async () => {
      const rows = await db.query<{ n: number }>(`CREATE TEMP TABLE scratch (n integer); INSERT INTO scratch VALUES (1), (2); SELECT sum(n) AS n FROM scratch`);
      assert.deepEqual(rows, [{ n: 3 }]);
    });

    test('a transaction that throws leaves nothing of its writes behind', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO projects (id, name) VALUES ('rolled_back', 'Gone')`);
          await tx.query(`INSERT INTO traces (project_id, id, agent_name, agent_version, channel, status, started_at, input)
                          VALUES ('rolled_back', 'trc_gone', 'a', 'v', 'cli', 'completed', now(), 'hi')`);
          throw new Error('the turn failed');
        }),
        /the turn failed/,
      );
      assert.deepEqual(await db.query(`SELECT id FROM projects WHERE id = 'rolled_back'`), []);
      assert.deepEqual(await db.query(`SELECT id FROM traces WHERE id = 'trc_gone'`), []);
    });

    test('a transaction returns its value and keeps its writes', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO projects (id, name) VALUES ('kept', 'Kept')`);
        return 42;
      });
      assert.equal(value, 42);
      assert.equal((await db.query(`SELECT id FROM projects WHERE id = 'kept'`)).length, 1);
    });

    test('queries from outside a running transaction neither join it nor see its writes', async () => {
      let outsideWrite: Promise<unknown> | undefined;
      let outsideRead: Promise<{ n: number }[]> | undefined;
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO projects (id, name) VALUES ('inside', 'Inside')`);
          // Issued while the transaction is open; if they ran inside it, the rollback below would
          // take the outside write with it and the read would count the inside row.
          outsideWrite = db.query(`INSERT INTO projects (id, name) VALUES ('outside', 'Outside')`);
          outsideRead = db.query<{ n: number }>(`SELECT count(*) AS n FROM projects WHERE id = 'inside'`);
          for (let i = 0; i < 5; i++) await tx.query(`SELECT count(*) FROM projects`);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      await outsideWrite;
      assert.deepEqual(await outsideRead, [{ n: 0 }]);
      assert.deepEqual(await db.query(`SELECT id FROM projects WHERE id IN ('inside', 'outside') ORDER BY id`), [{ id: 'outside' }]);
    });

    test('concurrent transactions each commit whole', async () => {
      await Promise.all(
        [1, 2, 3].map((i) =>
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO projects (id, name) VALUES ($1, 'first')`, [`conc_${i}`]);
            await tx.query(`UPDATE projects SET name = 'second' WHERE id = $1`, [`conc_${i}`]);
          }),
        ),
      );
      const rows = await db.query<{ id: string; name: string }>(`SELECT id, name FROM projects WHERE id LIKE 'conc_%' ORDER BY id`);
      assert.deepEqual(rows, [1, 2, 3].map((i) => ({ id: `conc_${i}`, name: 'second' })));
    });

    test('reports pgvector as available exactly when the vector type can be used', async () => {
      if (variant.name === 'pglite') assert.equal(db.capabilities.vector, true, 'the embedded store bundles pgvector');
      const [row] = await db.query<{ usable: boolean }>(`SELECT to_regtype('vector') IS NOT NULL AS usable`);
      assert.equal(db.capabilities.vector, row.usable);
      if (db.capabilities.vector) {
        const [d] = await db.query<{ d: number }>(`SELECT '[1,0]'::vector <=> '[0,1]'::vector AS d`);
        assert.equal(d.d, 1);
      }
    });
  });
}
