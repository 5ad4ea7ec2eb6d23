import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/router.ts';

let dir: string;
before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'router-cli-'))));
after(async () => rm(dir, { recursive: true, force: true }));

/** Runs `agentproof router ...` in this process and returns its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('agentproof').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'agentproof', 'router', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}

const TRAIN = [
  'text,label',
  ...['where is my order', 'has my package shipped', 'when will my parcel arrive', 'track my delivery', '"my order is late, where is it"', 'is my shipment on its way'].map((t) => `${t},order_status`),
  ...['I want to return these shoes', 'how do I send an item back', 'can I get a refund for my jacket', 'return policy for damaged goods', 'I would like my money back', 'start a return'].map((t) => `${t},returns`),
  ...['I forgot my password', 'I cannot log in', 'reset my password please', 'my account is locked', 'change the email on my account', 'unlock my account'].map((t) => `${t},account`),
].join('\n');

const TEST = ['text,label', 'where is my parcel,order_status', 'refund these shoes please,returns', 'password reset,account', 'track the package I ordered,order_status'].join('\n');

describe('agentproof router', () => {
  it('trains a model from CSV, writes it whole, and evaluates it with --json', async () => {
    const data = await writeCsv('train.csv', TRAIN);
    const model = path.join(dir, 'models', 'router.json');
    const trained = await cli('train', '--data', data, '--out', model, '--json');
    assert.equal(trained.code, 0, trained.stderr);
    const summary = JSON.parse(trained.stdout);
    assert.equal(summary.examples, 18);
    assert.equal(summary.classes, 3);
    assert.ok(summary.training_seconds >= 0);
    assert.equal(JSON.parse(await readFile(model, 'utf8')).format, 'agentproof.router');
    assert.deepEqual(await readdir(path.dirname(model)), ['router.json'], 'no temporary file is left behind');

    const evaluated = await cli('eval', '--model', model, '--data', await writeCsv('test.csv', TEST), '--json');
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const r = JSON.parse(evaluated.stdout);
    for (const key of ['accuracy', 'macro_f1', 'examples', 'classes', 'p50_ms', 'p95_ms']) assert.equal(typeof r[key], 'number', key);
    assert.equal(r.examples, 4);
    assert.equal(r.classes, 3);
    assert.equal(r.accuracy, 1);
    assert.equal(r.macro_f1, 1);
  });

  it('prints a readable summary without --json', async () => {
    const data = await writeCsv('train2.csv', TRAIN);
    const model = path.join(dir, 'plain.json');
    const trained = await cli('train', '--data', data, '--out', model);
    assert.match(trained.stdout, /trained on 18 examples, 3 classes in [\d.]+ s/);
    const evaluated = await cli('eval', '--model', model, '--data', await writeCsv('test2.csv', TEST));
    assert.match(evaluated.stdout, /accuracy {2}100\.00%/);
    assert.match(evaluated.stdout, /latency {3}p50 [\d.]+ ms, p95 [\d.]+ ms/);
  });

  it('counts labels the model never saw as errors', async () => {
    const model = path.join(dir, 'unseen.json');
    await cli('train', '--data', await writeCsv('train3.csv', TRAIN), '--out', model);
    const evaluated = await cli('eval', '--model', model, '--data', await writeCsv('unseen.csv', `${TEST}\ncancel my subscription,billing\n`), '--json');
    const r = JSON.parse(evaluated.stdout);
    assert.equal(r.accuracy, 4 / 5);
    assert.equal(r.classes, 4);
    assert.deepEqual(r.unknown_labels, ['billing']);
  });

  it('exits 2 and names the file and line of a bad training row', async () => {
    const data = await writeCsv('bad.csv', 'text,label\nfine,a\n,b\n');
    const result = await cli('train', '--data', data, '--out', path.join(dir, 'never.json'));
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(`${data}:3: text: empty text`), result.stderr);
    await assert.rejects(readFile(path.join(dir, 'never.json')));
  });

  it('exits 2 for a missing or malformed model file', async () => {
    const data = await writeCsv('test4.csv', TEST);
    const missing = await cli('eval', '--model', path.join(dir, 'nope.json'), '--data', data);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read model .*nope\.json: ENOENT/);
    const garbage = await writeCsv('garbage.json', '{"format": "other"}');
    const wrong = await cli('eval', '--model', garbage, '--data', data);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /not an agentproof router model/);
  });
});

async function writeCsv(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}
