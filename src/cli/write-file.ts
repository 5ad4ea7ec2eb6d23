/**
 * Output files a command writes (reports, models, converted suites) appear whole or not at all:
 * the text goes to a temporary file beside the target, which is then renamed over it, so an
 * interrupted write never leaves half a file where a CI system or a person will read it.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
