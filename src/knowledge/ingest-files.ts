/**
 * Finding and fingerprinting the files of a knowledge source. A folder is walked recursively in
 * name order; hidden files and folders are left out (editor swap files, .git, .DS_Store), files of
 * unsupported types are listed as ignored rather than failed (a folder of docs often holds images),
 * and symbolic links are followed with each real folder visited once, so a link loop ends.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../core/errors.ts';
import { SUPPORTED_EXTENSIONS } from './parse/index.ts';
import { readFailure } from './parse/read.ts';

export interface FoundFile {
  /** Absolute path. */
  abs: string;
  /** The document key: the path relative to the base folder, with `/` separators. */
  key: string;
  size: number;
}

export interface SkippedFile {
  /** Absolute path. */
  abs: string;
  reason: string;
}

export interface FileScan {
  files: FoundFile[];
  /** Files of unsupported types inside folders: reported, not failed. */
  ignored: SkippedFile[];
  /** What could not be read at all: a missing path, an unreadable folder, a broken link. */
  failed: SkippedFile[];
}

const SUPPORTED = new Set<string>(SUPPORTED_EXTENSIONS);

/** A path relative to `base` with `/` separators, whatever the platform. */
export function documentKey(base: string, abs: string): string {
  return path.relative(base, abs).split(path.sep).join('/');
}

/**
 * The files at `target` (a file or a folder). A file named directly is taken whatever its type, so
 * the parser reports an unsupported one by name; inside folders only supported types are taken.
 */
export async function scanFiles(target: string, base: string): Promise<FileScan> {
  const scan: FileScan = { files: [], ignored: [], failed: [] };
  const abs = path.resolve(target);
  let info;
  try {
    info = await stat(abs);
  } catch (err) {
    scan.failed.push({ abs, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${errorMessage(err)}` });
    return scan;
  }
  if (!info.isDirectory()) {
    scan.files.push({ abs, key: keyOf(base, abs), size: info.size });
    return scan;
  }
  await walk(abs, base, scan, new Set());
  return scan;
}

function keyOf(base: string, abs: string): string {
  // A source declared as a single file is its own base: its key is its name.
  return documentKey(base, abs) || path.basename(abs);
}

async function walk(dir: string, base: string, scan: FileScan, visited: Set<string>): Promise<void> {
  let entries: Dirent[];
  try {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    scan.failed.push({ abs: dir, reason: `cannot read folder: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const abs = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let size = 0;
    if (entry.isSymbolicLink() || entry.isFile()) {
      try {
        const info = await stat(abs);
        isDir = info.isDirectory();
        if (!isDir && !info.isFile()) continue;
        size = info.size;
      } catch {
        scan.failed.push({ abs, reason: 'broken symbolic link' });
        continue;
      }
    } else if (!isDir) {
      continue; // sockets, FIFOs, devices
    }
    if (isDir) {
      await walk(abs, base, scan, visited);
      continue;
    }
    const ext = path.extname(entry.name).toLowerCase();
    if (!SUPPORTED.has(ext)) {
      scan.ignored.push({ abs, reason: `unsupported file type ${ext ? `"${ext}"` : '(no extension)'}` });
      continue;
    }
    scan.files.push({ abs, key: keyOf(base, abs), size });
  }
}

/** SHA-256 of the file's bytes, read as a stream. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  } catch (err) {
    throw readFailure(file, err);
  }
  return hash.digest('hex');
}
