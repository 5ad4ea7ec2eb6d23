import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite } from '../../src/eval/suite/load.ts';
import { repoRoot, runCli } from '../helpers/cli.ts';

const spec = join(repoRoot, 'test/fixtures/suites/agentforce-spec.yaml');
let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'agentproof-suite-cmd-'))));
after(() => rm(dir, { recursive: true, force: true }));

test('suite import writes an Agentforce spec as an Agentproof suite that loads to the same cases, with warnings for what it drops', async () => {
  const out = join(dir, 'imported.yaml');
  const r = await runCli(['suite', 'import', spec, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*agentforce-spec\.yaml:\d+:\d+: subjectVersion: not imported/);
  assert.match(r.stderr, /wrote .*imported\.yaml: suite Customer_Service_Tests, \d+ cases/);
  const [original, imported] = await Promise.all([loadSuite(spec), loadSuite(out)]);
  assert.deepEqual(imported.suite.cases.map((c) => [c.id, c.utterance, c.expectedTopic, c.expectedActions]), original.suite.cases.map((c) => [c.id, c.utterance, c.expectedTopic, c.expectedActions]));
  const again = await runCli(['suite', 'import', spec, '--out', out]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists; pass --force/);
  assert.match(await readFile(out, 'utf8'), /^name: Customer_Service_Tests/);
});

test('suite validate names the file and line of each problem and exits 2', async () => {
  const ok = await runCli(['suite', 'validate', join(repoRoot, 'examples/acme-support/tests/regression.yaml')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /suite acme-support-regression, 64 cases, 5 gate criteria — ok/);
  const bad = join(dir, 'bad.jsonl');
  await writeFile(bad, '{"utterance": "hi"}\n{"utterance": 5}\n');
  const r = await runCli(['suite', 'validate', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.jsonl:2/);
});
