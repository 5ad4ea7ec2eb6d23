import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentproof-agent-gate-'));
  await cp(join(repoRoot, 'test/fixtures/agents/mini-knowledge'), join(dir, 'agent'), { recursive: true });
  const file = join(dir, 'agent', 'agent.yaml');
  await writeFile(file, `${await readFile(file, 'utf8')}gate:\n  - topic_match mean >= 1 min 2\n`);
  await writeFile(join(dir, 'suite.yaml'), [
    'name: gated-by-agent',
    'agent: agent/agent.yaml',
    'cases:',
    '  - { utterance: "How often should I sharpen the mower blade?", expectedTopic: garden }',
    '  - { utterance: "Can the cast iron pan go in the dishwasher?", expectedTopic: garden }',
  ].join('\n'));
});
after(() => rm(dir, { recursive: true, force: true }));

test("a suite without a gate is held to the agent's gate", async () => {
  const r = await runCli(['test', join(dir, 'suite.yaml'), '--data', join(dir, 'store')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /FAIL  topic_match mean >= 1: 0\.5 over 2 case\(s\) — not met/);
});
