import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, cliMain, repoRoot, runCli } from '../helpers/cli.ts';
import { startServe, stop } from '../helpers/serve.ts';

const root = repoRoot;
const main = cliMain;
const agentsDir = join(root, 'test/fixtures/agents');
// The scripted model is never called here; the URL only lets the LLM fixture agent load.
const env = cliEnv({ OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:9/v1' });
const run = (args: string[]) => runCli(args, env);

describe('agentproof chat on its own store', () => {
  let data: string;
  before(async () => (data = await mkdtemp(join(tmpdir(), 'agentproof-cli-'))));
  after(() => rm(data, { recursive: true, force: true }));

  test('answers one message as JSON and keeps its trace', async () => {
    const r = await run(['chat', join(agentsDir, 'mini-support'), '-m', 'what is the status of order A1001', '--json', '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    const turn = JSON.parse(r.stdout) as { topic: string; reply: string; traceId: string };
    assert.equal(turn.topic, 'order_status');
    assert.match(turn.reply, /shipped/i);
    const shown = await run(['trace', turn.traceId, '--data', data]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /lookup_order/);
  });

  test('names the available agents when asked for an unknown one, exiting 2', async () => {
    const r = await run(['chat', 'nobody', '-m', 'hi', '--agents', agentsDir, '--data', data]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /mini-support/);
  });

  test('reads an interactive conversation from standard input', async () => {
    const child = spawn(process.execPath, [main, 'chat', 'mini-support', '--agents', agentsDir, '--data', data], { env, cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stdin.end('where is my order?\nA1002\n/exit\n');
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.match(out, /order id/i);
    assert.match(out, /delivered/i);
  });
});

describe('agentproof commands next to a running server', () => {
  let data: string;
  let server: ChildProcessWithoutNullStreams;
  let url: string;

  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'agentproof-serve-'));
    ({ child: server, url } = await startServe(agentsDir, ['--data', data], env));
  });
  after(async () => {
    await stop(server);
    await rm(data, { recursive: true, force: true });
  });

  test('a second server on the same store is refused with a message naming the first', async () => {
    const r = await run(['serve', '--agents', agentsDir, '--port', '0', '--data', data]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /in use/);
    assert.ok(r.stderr.includes(url), r.stderr);
  });

  test('chat, approvals and traces go through the server that holds the store', async () => {
    const paused = await run(['chat', 'mini-support', '-m', 'refund order A1001 for 10 dollars', '--json', '--agents', agentsDir, '--data', data]);
    assert.equal(paused.code, 0, paused.stderr);
    const turn = JSON.parse(paused.stdout) as { status: string; approvals: { id: string }[]; traceId: string };
    assert.equal(turn.status, 'awaiting_approval');

    const listed = await run(['approvals', '--json', '--data', data]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { approvals: { id: string }[] }).approvals.some((a) => a.id === turn.approvals[0].id));

    const approved = await run(['approvals', 'approve', turn.approvals[0].id, '--json', '--data', data]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal((JSON.parse(approved.stdout) as { turn: { status: string } }).turn.status, 'completed');

    const traces = await run(['traces', '--json', '--data', data]);
    assert.equal(traces.code, 0, traces.stderr);
    assert.ok(JSON.stringify(JSON.parse(traces.stdout)).includes(turn.traceId));
  });
});
