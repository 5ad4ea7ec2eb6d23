import { contentHash } from '../../core/ids.ts';
import type { Suite, SuiteCase } from '../contracts.ts';
import { defaultCaseId, type SuiteFile } from './schema.ts';

/**
 * A validated suite file becomes a Suite: every case gets its id and the line it starts on, and the
 * suite its version. The version hashes what the suite asks, not where it is: moving the file,
 * reformatting it or converting it to another format keeps the version, so runs stay comparable.
 */
export function assembleSuite(parsed: SuiteFile, file: string, caseLine: (index: number) => number): Suite {
  const cases: SuiteCase[] = parsed.cases.map(({ id, ...rest }, i) => ({ id: id ?? defaultCaseId(i), ...rest, location: { file, line: caseLine(i) } }));
  const content = {
    name: parsed.name,
    ...(parsed.description === undefined ? {} : { description: parsed.description }),
    ...(parsed.agent === undefined ? {} : { agent: parsed.agent }),
    ...(parsed.target === undefined ? {} : { target: parsed.target }),
    evaluators: parsed.evaluators,
    gate: parsed.gate,
  };
  const version = contentHash({ ...content, cases: cases.map(({ location: _location, ...c }) => c) });
  return { ...content, file, version, cases };
}
