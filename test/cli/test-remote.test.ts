import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.ts';
import { startServe, stop } from '../helpers/serve.ts';

let data: string;
before(async () => (data = await mkdtemp(join(tmpdir(), 'agentproof-test-remote-'))));
after(() => rm(data, { recursive: true, force: true }));

test('with a server holding the store, agentproof test runs the suite through the server and reports the same way', async () => {
  const server = await startServe(join(repoRoot, 'examples'), ['--data', data]);
  try {
    const suite = join(repoRoot, 'examples/acme-support/tests/regression.yaml');
    const junit = join(data, 'junit.xml');
    const r = await runCli(['test', suite, '--agent', 'acme-support', '--data', data, '--junit', junit]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /running the suite through it at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /suite acme-support-regression@\w+ {2}agent acme-support@\w+ {2}gate passed/);
    assert.match(r.stdout, /topic_match\s+64/);
    const runs = (await (await fetch(`${server.url}/v1/test-runs`)).json()) as { runs: { status: string }[] };
    assert.deepEqual(runs.runs.map((x) => x.status), ['completed']);
  } finally {
    await stop(server.child);
  }
});
