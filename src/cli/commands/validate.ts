import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError, formatIssue, type ErrorIssue } from '../../core/errors.ts';
import { AGENT_FILE, loadAgent } from '../../agent/load.ts';
import { action, EXIT, printJson } from '../run.ts';

type Result =
  | { file: string; valid: true; agent: string; version: string; topics: number; actions: number }
  | { file: string; valid: false; issues: ErrorIssue[] };

/** Paths are shown relative to where the command runs, so they can be clicked and pasted. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** A file is itself; a folder is its agent.yaml, or else every `<name>/agent.yaml` under it. */
async function agentFiles(target: string): Promise<string[]> {
  const full = path.resolve(target);
  const info = await stat(full).catch(() => null);
  if (!info) throw new InputError(`no such file or folder: ${target}`, [{ file: full, message: 'not found' }]);
  if (!info.isDirectory()) return [full];
  const own = path.join(full, AGENT_FILE);
  if ((await stat(own).catch(() => null))?.isFile()) return [own];
  const files: string[] = [];
  for (const entry of (await readdir(full, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(full, entry.name, AGENT_FILE);
    if (entry.isDirectory() && (await stat(file).catch(() => null))?.isFile()) files.push(file);
  }
  if (!files.length) throw new InputError(`no ${AGENT_FILE} in ${target} or its subfolders`, [{ file: full, message: `no ${AGENT_FILE} found` }]);
  return files;
}

async function validateFile(file: string): Promise<Result> {
  try {
    const agent = await loadAgent(file);
    const def = agent.definition;
    return { file: shown(file), valid: true, agent: def.name, version: agent.version, topics: def.topics.length, actions: def.actions.length };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const issues = err.issues.length ? err.issues : [{ file, message: err.message }];
    return { file: shown(file), valid: false, issues: issues.map((i) => ({ ...i, ...(i.file ? { file: shown(i.file) } : {}) })) };
  }
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check agent files and report every problem with file, line and field; exit 2 when any is invalid.')
    .argument('<files...>', 'agent files, agent folders, or folders of agents')
    .option('--json', 'print the results as JSON')
    .action(
      action(async (targets: string[], opts: { json?: boolean }) => {
        const results: Result[] = [];
        for (const target of targets) {
          for (const file of await agentFiles(target)) results.push(await validateFile(file));
        }
        const valid = results.every((r) => r.valid);
        if (opts.json) {
          printJson({ valid, results });
        } else {
          for (const r of results) {
            if (r.valid) {
              process.stdout.write(`✓ ${r.file} — agent ${r.agent} version ${r.version} (${r.topics} topic${r.topics === 1 ? '' : 's'}, ${r.actions} action${r.actions === 1 ? '' : 's'})\n`);
            } else {
              process.stdout.write(`✗ ${r.file} — ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}\n`);
              for (const issue of r.issues) process.stdout.write(`  ${formatIssue(issue)}\n`);
            }
          }
        }
        return valid ? EXIT.ok : EXIT.input;
      }),
    );
}
