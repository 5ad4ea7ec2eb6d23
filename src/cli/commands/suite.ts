import { access } from 'node:fs/promises';
import { writeAtomically } from '../write-file.ts';
import type { Command } from 'commander';
import { formatIssue, InputError } from '../../core/errors.ts';
import { loadSuite } from '../../eval/suite/load.ts';
import { toSuiteYaml } from '../../eval/suite/write.ts';
import { action, EXIT } from '../run.ts';

export function register(program: Command): void {
  const suite = program.command('suite').description('Check and convert test suite files.');

  suite
    .command('validate')
    .description('Check a suite file (YAML, JSONL, CSV or an Agentforce spec); every problem is named with its file and line.')
    .argument('<file>')
    .action(
      action(async (file: string) => {
        const { suite: s, warnings } = await loadSuite(file);
        for (const w of warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
        process.stdout.write(`${file}: suite ${s.name}, ${s.cases.length} cases, ${s.gate.length} gate criteria — ok\n`);
        return EXIT.ok;
      }),
    );

  suite
    .command('import')
    .description('Convert a suite (e.g. a Salesforce Agentforce test spec) to an Agentproof suite YAML file.')
    .argument('<file>')
    .option('--out <file>', 'where to write the suite (default: print it)')
    .option('--force', 'overwrite --out when it exists')
    .action(
      action(async (file: string, opts: { out?: string; force?: boolean }) => {
        const { suite: s, warnings } = await loadSuite(file);
        for (const w of warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
        const yaml = toSuiteYaml(s);
        if (!opts.out) {
          process.stdout.write(yaml);
          return EXIT.ok;
        }
        if (!opts.force && (await exists(opts.out))) {
          throw new InputError(`${opts.out} exists; pass --force to overwrite it`, [{ file: opts.out, message: 'file exists' }]);
        }
        await writeAtomically(opts.out, yaml);
        process.stderr.write(`wrote ${opts.out}: suite ${s.name}, ${s.cases.length} cases${warnings.length ? `, ${warnings.length} warning(s) above` : ''}\n`);
        return EXIT.ok;
      }),
    );
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
