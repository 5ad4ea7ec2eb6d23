import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const CLI = path.join(ROOT, 'src/cli/main.ts');

function agentproof(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(NODE, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

let tmp: string;
let broken: string;
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'agentproof-validate-'));
  await cp(path.join(ROOT, 'examples/acme-support'), path.join(tmp, 'acme'), { recursive: true });
  broken = path.join(tmp, 'acme', 'agent.yaml');
  const text = await readFile(broken, 'utf8');
  // Two problems: a wrong type in a topic example and an action reference that does not exist.
  await writeFile(broken, text.replace('      - Where is my order?', '      - 42').replace('actions: [lookup_order]', 'actions: [find_order]'));
});
after(() => rm(tmp, { recursive: true, force: true }));

describe('agentproof validate', () => {
  test('prints the agent, its version and its size for a valid file', () => {
    const { code, stdout } = agentproof('validate', 'examples/acme-support/agent.yaml');
    assert.equal(code, 0);
    assert.match(stdout, /^✓ examples\/acme-support\/agent\.yaml — agent acme-support version [0-9a-f]{16} \(6 topics, 2 actions\)$/m);
  });

  test('accepts a folder of agents', () => {
    const { code, stdout } = agentproof('validate', 'examples');
    assert.equal(code, 0);
    assert.match(stdout, /agent acme-support/);
  });

  test('reports every problem with file, line, column and field path and exits 2', async () => {
    const lines = (await readFile(broken, 'utf8')).split('\n');
    const exampleLine = lines.findIndex((l) => l === '      - 42') + 1;
    const actionLine = lines.findIndex((l) => l.includes('[find_order]')) + 1;
    const { code, stdout } = agentproof('validate', broken);
    assert.equal(code, 2);
    assert.match(stdout, /✗ .*agent\.yaml — 2 problems/);
    assert.ok(stdout.includes(`${broken}:${exampleLine}:9: topics[0].examples[0]: Invalid input: expected string, received number`), stdout);
    assert.ok(stdout.includes(`${broken}:${actionLine}:15: topics[0].actions[0]: unknown action "find_order"`), stdout);
  });

  test('prints results as JSON with --json and still exits 2 when one file is invalid', () => {
    const { code, stdout } = agentproof('validate', '--json', 'examples/acme-support', broken);
    assert.equal(code, 2);
    const report = JSON.parse(stdout) as { valid: boolean; results: { valid: boolean; agent?: string; issues?: { path: string; line: number }[] }[] };
    assert.equal(report.valid, false);
    assert.equal(report.results[0].agent, 'acme-support');
    assert.deepEqual(report.results[1].issues?.map((i) => i.path), ['topics[0].examples[0]', 'topics[0].actions[0]']);
  });

  test('exits 2 naming a path that does not exist', () => {
    const { code, stderr } = agentproof('validate', 'no/such/agent.yaml');
    assert.equal(code, 2);
    assert.match(stderr, /no such file or folder: no\/such\/agent\.yaml/);
  });
});
