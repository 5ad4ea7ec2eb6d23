import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';

const prepared = { prepare: true };

describe('statements run with { prepare: true } on the embedded store', () => {
  let db: Db;
  before(async () => {
    db = await openStore({ memory: true });
    await db.query(`CREATE TABLE prepared_probe (id bigint PRIMARY KEY, tags text[], doc jsonb, at timestamptz, note text)`);
  });
  after(() => db.close());

  const insert = `INSERT INTO prepared_probe (id, tags, doc, at, note) VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING *`;

  test('return the same values, typed the same, on the first run and on later runs of one statement', async () => {
    const at = new Date('2026-11-24T10:00:00.000Z');
    const rows = [];
    for (let i = 1; i <= 8; i++) rows.push((await db.query(insert, [i, ['a', `t${i}`], JSON.stringify({ n: i }), at, i % 2 ? null : 'even'], prepared))[0]);
    assert.deepEqual(rows[0], { id: 1, tags: ['a', 't1'], doc: { n: 1 }, at, note: null });
    assert.deepEqual(rows[7], { id: 8, tags: ['a', 't8'], doc: { n: 8 }, at, note: 'even' });
    const found = await db.query<{ id: number }>(`SELECT id FROM prepared_probe WHERE id = ANY($1::bigint[]) ORDER BY id`, [[2, 4, 99]]);
    assert.deepEqual(found.map((r) => r.id), [2, 4]);
  });

  test('a failing statement reports its error and leaves the store usable', async () => {
    await assert.rejects(db.query(insert, [1, [], '{}', new Date(), null], prepared), /duplicate key value/);
    await assert.rejects(db.query(`SELECT $1::int AS n`, ['not a number'], prepared), /invalid input syntax for type integer/);
    assert.deepEqual(await db.query(`SELECT $1::int AS n`, [7], prepared), [{ n: 7 }]);
  });

  test('inside a transaction they roll back with it', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(insert, [100, [], '{}', new Date(), 'inside'], prepared);
        assert.equal((await tx.query(`SELECT count(*)::int AS n FROM prepared_probe WHERE id = $1`, [100], prepared))[0].n, 1);
        throw new Error('abandon');
      }),
      /abandon/,
    );
    assert.deepEqual(await db.query(`SELECT id FROM prepared_probe WHERE id = $1`, [100], prepared), []);
  });

  test('a statement planned before a schema change still answers after it', async () => {
    const select = `SELECT * FROM prepared_probe WHERE id = $1`;
    assert.equal((await db.query(select, [1], prepared)).length, 1);
    await db.query(`ALTER TABLE prepared_probe ADD COLUMN extra integer DEFAULT 5`);
    assert.equal((await db.query<{ extra: number }>(select, [1], prepared))[0].extra, 5);
  });
});
