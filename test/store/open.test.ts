import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StoreLockedError } from '../../src/core/errors.ts';
import { readStoreOwner } from '../../src/store/lock.ts';
import { openStore, storeOptionsFromCli } from '../../src/store/open.ts';
import { removeTempDir, tempDataDir } from '../helpers/stores.ts';

const HOLDER = fileURLToPath(new URL('../helpers/hold-store-lock.ts', import.meta.url));

/** Starts a process that holds the store's lock; resolves once it does. */
async function holdInAnotherProcess(dataDir: string, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOLDER, dataDir, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (out += chunk));
  while (!out.includes('locked')) {
    const [event] = await Promise.race([once(child.stdout!, 'data').then(() => ['data']), once(child, 'exit').then(() => ['exit'])]);
    assert.notEqual(event, 'exit', 'the lock holder exited before taking the lock');
  }
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

describe('the embedded store on disk', () => {
  let dataDir: string;
  before(async () => {
    dataDir = join(await tempDataDir(), 'nested', '.agentproof');
  });
  after(() => removeTempDir(join(dataDir, '..', '..')));

  test('is created when missing and keeps its data across a close and reopen, migrating nothing twice', async () => {
    const first = await openStore({ dataDir, databaseUrl: '', command: 'agentproof test' });
    assert.equal(first.kind, 'pglite');
    assert.ok((await stat(join(dataDir, 'pgdata'))).isDirectory());
    await first.query(`INSERT INTO projects (id, name) VALUES ('acme', 'Acme')`);
    await first.close();

    const again = await openStore({ dataDir, databaseUrl: '', command: 'agentproof test' });
    try {
      assert.deepEqual(await again.query(`SELECT id FROM projects ORDER BY id`), [{ id: 'acme' }, { id: 'default' }]);
      const [{ n }] = await again.query<{ n: number }>(`SELECT count(*) AS n FROM schema_migrations WHERE version = 1`);
      assert.equal(n, 1);
    } finally {
      await again.close();
    }
  });

  test('refuses a second opening while the first is open, naming the owner, and opens again after close', async () => {
    const first = await openStore({ dataDir, databaseUrl: '', command: 'agentproof chat support' });
    try {
      await assert.rejects(openStore({ dataDir, databaseUrl: '', command: 'agentproof traces' }), (err: unknown) => {
        assert.ok(err instanceof StoreLockedError);
        assert.match(err.message, new RegExp(`is in use by another agentproof process \\(pid ${process.pid}, \`agentproof chat support\`\\)`));
        return true;
      });
      assert.deepEqual(await readStoreOwner(dataDir), { pid: process.pid, command: 'agentproof chat support' });
      // The refused opening must not have disturbed the open store.
      assert.equal((await first.query(`SELECT id FROM projects WHERE id = 'acme'`)).length, 1);
    } finally {
      await first.close();
    }
    assert.equal(await readStoreOwner(dataDir), null);
    const second = await openStore({ dataDir, databaseUrl: '', command: 'agentproof traces' });
    await second.close();
  });

  test('names a server in another process with its URL, and takes over once that process has died', async () => {
    const child = await holdInAnotherProcess(dataDir, 'http://127.0.0.1:4111');
    try {
      assert.deepEqual(await readStoreOwner(dataDir), { pid: child.pid, command: 'agentproof serve', url: 'http://127.0.0.1:4111' });
      await assert.rejects(
        openStore({ dataDir, databaseUrl: '', command: 'agentproof traces' }),
        new RegExp(`\\(pid ${child.pid}, \`agentproof serve\` on http://127\\.0\\.0\\.1:4111\\)`),
      );
      // SIGKILL: the holder gets no chance to release its lock, like a crash.
      await kill(child, 'SIGKILL');
      assert.equal(await readStoreOwner(dataDir), null);
      const db = await openStore({ dataDir, databaseUrl: '', command: 'agentproof traces' });
      try {
        assert.equal((await db.query(`SELECT id FROM projects WHERE id = 'acme'`)).length, 1);
      } finally {
        await db.close();
      }
    } finally {
      await kill(child, 'SIGKILL');
    }
  });
});

test('a memory store needs no directory and is migrated', async () => {
  const db = await openStore({ memory: true });
  try {
    assert.deepEqual(await db.query(`SELECT id FROM projects`), [{ id: 'default' }]);
  } finally {
    await db.close();
  }
});

test('store options come from --data first, then AGENTPROOF_DATA, then ./.agentproof, and DATABASE_URL', () => {
  const saved = { data: process.env.AGENTPROOF_DATA, url: process.env.DATABASE_URL };
  try {
    delete process.env.AGENTPROOF_DATA;
    delete process.env.DATABASE_URL;
    assert.deepEqual(storeOptionsFromCli({}), { dataDir: join(process.cwd(), '.agentproof'), databaseUrl: undefined });
    process.env.AGENTPROOF_DATA = '';
    assert.equal(storeOptionsFromCli({}).dataDir, join(process.cwd(), '.agentproof'), 'an empty variable counts as unset');
    process.env.AGENTPROOF_DATA = '/srv/agentproof';
    assert.equal(storeOptionsFromCli({}).dataDir, '/srv/agentproof');
    assert.equal(storeOptionsFromCli({ data: 'elsewhere' }).dataDir, join(process.cwd(), 'elsewhere'));
    process.env.DATABASE_URL = 'postgres://db.example/agentproof';
    assert.equal(storeOptionsFromCli({}).databaseUrl, 'postgres://db.example/agentproof');
  } finally {
    for (const [key, value] of [['AGENTPROOF_DATA', saved.data], ['DATABASE_URL', saved.url]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('a PostgreSQL URL that cannot be reached is named, without its password', async () => {
  await assert.rejects(openStore({ databaseUrl: 'postgres://app:hunter2@127.0.0.1:9/agentproof' }), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.match(err.message, /^cannot connect to the PostgreSQL database postgres:\/\/app:\*\*\*@127\.0\.0\.1:9\/agentproof \(DATABASE_URL\): /);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
});
