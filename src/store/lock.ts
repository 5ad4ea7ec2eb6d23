import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import lockfile from 'proper-lockfile';
import { StoreLockedError } from '../core/errors.ts';

/**
 * One process at a time opens an embedded store: PGlite has no server to arbitrate between two
 * processes writing the same files, so a second one would corrupt them. proper-lockfile keeps the
 * lock's mtime fresh while we run. A lock left by a crashed process is taken over at once when its
 * owner's pid no longer exists on this host, and otherwise once its mtime goes stale. Beside the
 * lock, owner.json says who holds it, so the refusal can name the holder and other commands can
 * reach a running `serve` over HTTP instead.
 */
export interface StoreOwner {
  pid: number;
  /** The command line as a person would type it, e.g. `agentproof serve`. */
  command: string;
  url?: string;
}

export interface StoreLock {
  readonly dataDir: string;
  /** Records where the owning server listens, once it does. */
  setOwnerUrl(url: string): Promise<void>;
  release(): Promise<void>;
}

/**
 * A lock whose holder stopped refreshing it for this long is considered abandoned. Generous, since
 * a busy event loop (training a model in-process) delays the refresh, and a dead holder on this
 * host is detected by its pid anyway.
 */
const STALE_MS = 30_000;

interface OwnerFile extends StoreOwner {
  host: string;
}

const lockPath = (dataDir: string) => join(dataDir, 'store.lock');
const ownerPath = (dataDir: string) => join(dataDir, 'owner.json');

/** Takes the store's lock or throws StoreLockedError naming the holder. `dataDir` must exist. */
export async function acquireStoreLock(dataDir: string, command: string): Promise<StoreLock> {
  let releaseLock: () => Promise<void>;
  try {
    releaseLock = await takeLock(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const holder = await readOwnerFile(dataDir);
    if (!holder || holder.host !== hostname() || isAlive(holder.pid)) throw new StoreLockedError(lockedMessage(dataDir, holder));
    // The holder crashed without releasing: its lock protects nothing any more.
    await rm(lockPath(dataDir), { recursive: true, force: true });
    try {
      releaseLock = await takeLock(dataDir);
    } catch (retryErr) {
      if ((retryErr as NodeJS.ErrnoException).code === 'ELOCKED') throw new StoreLockedError(lockedMessage(dataDir, await readOwnerFile(dataDir)));
      throw retryErr;
    }
  }

  let owner: OwnerFile = { pid: process.pid, command, host: hostname() };
  await writeOwner(dataDir, owner);
  let released = false;
  return {
    dataDir,
    async setOwnerUrl(url: string) {
      owner = { ...owner, url };
      await writeOwner(dataDir, owner);
    },
    async release() {
      if (released) return;
      released = true;
      await rm(ownerPath(dataDir), { force: true });
      await releaseLock();
    },
  };
}

function takeLock(dataDir: string): Promise<() => Promise<void>> {
  return lockfile.lock(dataDir, {
    lockfilePath: lockPath(dataDir),
    stale: STALE_MS,
    realpath: false,
    // Losing the lock (the machine slept past the stale limit and another process took over)
    // means two writers: stopping is the only way to not corrupt the store.
    onCompromised: (err) => {
      process.stderr.write(`error: lost the lock on the store at ${dataDir} (${err.message}); stopping to protect it\n`);
      process.exit(1);
    },
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the store's lock now, or null when nobody does (a crashed holder's lock is stale). */
export async function readStoreOwner(dataDir: string): Promise<StoreOwner | null> {
  const held = await lockfile.check(dataDir, { lockfilePath: lockPath(dataDir), stale: STALE_MS, realpath: false });
  if (!held) return null;
  const owner = await readOwnerFile(dataDir);
  if (!owner || (owner.host === hostname() && !isAlive(owner.pid))) return null;
  return { pid: owner.pid, command: owner.command, ...(owner.url ? { url: owner.url } : {}) };
}

async function readOwnerFile(dataDir: string): Promise<OwnerFile | null> {
  try {
    const parsed = JSON.parse(await readFile(ownerPath(dataDir), 'utf8')) as Partial<OwnerFile>;
    if (typeof parsed.pid !== 'number' || typeof parsed.command !== 'string') return null;
    return {
      pid: parsed.pid,
      command: parsed.command,
      host: typeof parsed.host === 'string' ? parsed.host : '',
      ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}),
    };
  } catch {
    // Between the lock being taken and owner.json being written there is no owner file yet.
    return null;
  }
}

async function writeOwner(dataDir: string, owner: OwnerFile): Promise<void> {
  // Write-then-rename so a reader never sees half a file.
  const tmp = `${ownerPath(dataDir)}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(owner)}\n`);
  await rename(tmp, ownerPath(dataDir));
}

function lockedMessage(dataDir: string, owner: StoreOwner | null): string {
  const shown = relative(process.cwd(), dataDir) || '.';
  const where = shown.startsWith('..') ? dataDir : shown;
  if (!owner) return `the store at ${where} is in use by another agentproof process`;
  const what = `\`${owner.command}\`${owner.url ? ` on ${owner.url}` : ''}`;
  return `the store at ${where} is in use by another agentproof process (pid ${owner.pid}, ${what}); stop it, or pass --data DIR to use another store`;
}
