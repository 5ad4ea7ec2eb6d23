import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { IngestSummary } from '../../src/knowledge/ingest.ts';
import { repoRoot, runCli } from '../helpers/cli.ts';
import { startServe, stop } from '../helpers/serve.ts';
import { tempAgent, type TempAgent } from '../knowledge/ingest-agent.ts';

const examples = join(repoRoot, 'examples');

describe('agentproof ingest', () => {
  let data: string;
  let agent: TempAgent;
  let several: TempAgent;
  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'agentproof-cli-ingest-'));
    agent = await tempAgent('cli-ingest', [{ name: 'docs', path: 'knowledge' }]);
    await agent.write('knowledge/returns.md', '# Returns\n\nReturns are accepted for 30 days.\n');
    await agent.write('knowledge/hours.txt', 'We are open from 9 to 5.\n');
    await agent.write('knowledge/empty.txt', '');
    several = await tempAgent('cli-several', [{ name: 'faq', path: 'faq.md' }, { name: 'manuals', path: 'manuals.md' }]);
    await several.write('faq.md', '# FAQ\n\nAsk us anything.\n');
    await several.write('manuals.md', '# Manuals\n\nRead the manual.\n');
  });
  after(async () => {
    await rm(data, { recursive: true, force: true });
    await agent.remove();
    await several.remove();
  });

  test('prints a summary naming the failed file with its reason and exits 1 when a file failed', async () => {
    const r = await runCli(['ingest', agent.dir, '--data', data]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^cli-ingest: 3 files/);
    assert.match(r.stdout, /docs\s+2\s+0\s+0\s+0\s+\d+\s+1\s+2 documents/);
    assert.match(r.stdout, /1 file failed:\n {2}knowledge\/empty\.txt: file is empty \(0 bytes\)/);
  });

  test('prints the summary as JSON, and skips unchanged files on a rerun', async () => {
    const r = await runCli(['ingest', agent.dir, '--data', data, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const summary = JSON.parse(r.stdout) as IngestSummary;
    assert.deepEqual(Object.keys(summary).sort(), ['agent', 'bytes', 'chunks', 'documents', 'embedding', 'failed', 'ignored', 'seconds', 'sources']);
    assert.equal(summary.agent, 'cli-ingest');
    assert.deepEqual(summary.documents, { added: 0, changed: 0, unchanged: 2, removed: 0 });
    assert.deepEqual(summary.failed, [{ file: 'knowledge/empty.txt', reason: 'file is empty (0 bytes)' }]);
    assert.deepEqual(summary.sources.map((s) => [s.name, s.stored.documents]), [['docs', 2]]);
  });

  test('ingests given paths into the named source and exits 0 when every file was ingested', async () => {
    const extra = await mkdtemp(join(tmpdir(), 'agentproof-cli-extra-'));
    try {
      await writeFile(join(extra, 'shipping.md'), '# Shipping\n\nShipping takes three days.\n');
      const r = await runCli(['ingest', several.dir, join(extra, 'shipping.md'), '--source', 'manuals', '--data', data, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as IngestSummary;
      assert.deepEqual(summary.sources.map((s) => [s.name, s.documents.added]), [['manuals', 1]]);
    } finally {
      await rm(extra, { recursive: true, force: true });
    }
  });

  test('exits 2 naming the problem for an unknown agent, a missing path or a missing or undeclared source', async () => {
    const unknown = await runCli(['ingest', 'nobody', '--agents', examples, '--data', data]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown agent "nobody"; available: acme-support/);

    const missing = await runCli(['ingest', agent.dir, join(agent.dir, 'nothere.md'), '--data', data]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or folder: .*nothere\.md/);

    const ambiguous = await runCli(['ingest', several.dir, join(several.dir, 'faq.md'), '--data', data]);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /2 knowledge sources; name one with --source: faq, manuals/);

    const undeclared = await runCli(['ingest', several.dir, '--source', 'blog', '--data', data]);
    assert.equal(undeclared.code, 2);
    assert.match(undeclared.stderr, /no knowledge source "blog"; declared: faq, manuals/);
  });
});

test("chat on its own store syncs the agent's knowledge quietly before the first message", async () => {
  const data = await mkdtemp(join(tmpdir(), 'agentproof-chat-ingest-'));
  try {
    const chat = await runCli(['chat', join(examples, 'acme-support'), '-m', 'how long does standard shipping take?', '--json', '--data', data]);
    assert.equal(chat.code, 0, chat.stderr);
    assert.equal(chat.stderr, '');
    const again = await runCli(['ingest', join(examples, 'acme-support'), '--data', data, '--json']);
    assert.deepEqual((JSON.parse(again.stdout) as IngestSummary).documents, { added: 0, changed: 0, unchanged: 6, removed: 0 });
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});


describe('agentproof serve and knowledge', () => {
  let data: string;
  before(async () => (data = await mkdtemp(join(tmpdir(), 'agentproof-serve-ingest-'))));
  after(() => rm(data, { recursive: true, force: true }));

  test("ingests the example agent's knowledge before listening, and ingest goes through the running server", async () => {
    const server = await startServe(examples, ['--data', data]);
    try {
      assert.match(server.stderr(), /acme-support: 6 documents \(6 added\), \d+ chunks, 0 failed in \d+\.\d s/);
      const r = await runCli(['ingest', 'acme-support', '--agents', examples, '--data', data, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as IngestSummary;
      assert.deepEqual(summary.documents, { added: 0, changed: 0, unchanged: 6, removed: 0 });

      // files given on the command line are uploaded to the server
      const extra = await mkdtemp(join(tmpdir(), 'agentproof-upload-cli-'));
      await writeFile(join(extra, 'battery.md'), '# Battery warranty\n\nBatteries are covered for one year.\n');
      await writeFile(join(extra, 'empty.txt'), '');
      const uploaded = await runCli(['ingest', 'acme-support', extra, '--source', 'warranty', '--agents', examples, '--data', data]);
      await rm(extra, { recursive: true, force: true });
      assert.equal(uploaded.code, 1, uploaded.stderr);
      assert.match(uploaded.stderr, /ingesting through it/);
      assert.match(uploaded.stdout, /warranty\s+1\s+0\s+0\s+0\s+\d+\s+1\s+2 documents/);
      assert.match(uploaded.stdout, /empty\.txt: file is empty/);

      // npm start's agent answers from that knowledge: sources on the reply, six stages on the trace, shown by `trace`
      const post = async (path: string, body: unknown) => (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Record<string, any>>;
      const session = await post('/v1/sessions', { agent: 'acme-support' });
      const reply = await post(`/v1/sessions/${session.id}/messages`, { text: 'How long do I have to return an item?' });
      assert.match(reply.reply, /30 days of delivery.*\[1\]/);
      assert.equal(reply.sources[0].document, 'returns-policy.md');
      assert.equal(reply.sources[0].link, 'https://help.acme.example/returns-policy.md');
      const trace = (await (await fetch(`${server.url}/v1/traces/${reply.traceId}`)).json()) as Record<string, any>;
      assert.deepEqual(Object.keys(trace.stages).sort(), ['chunks', 'grounding', 'handoff', 'query', 'response', 'retriever']);
      assert.equal(trace.stages.grounding.supported, trace.stages.grounding.made);
      const shown = await runCli(['trace', reply.traceId, '--data', data]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /RAG stages[\s\S]*1 query[\s\S]*6 grounding/);
    } finally {
      await stop(server.child);
    }
  });

  test('skips ingestion with --no-ingest', async () => {
    const other = await mkdtemp(join(tmpdir(), 'agentproof-serve-noingest-'));
    const server = await startServe(examples, ['--data', other, '--no-ingest']);
    try {
      assert.doesNotMatch(server.stderr(), /acme-support: \d+ documents/);
      const listed = (await (await fetch(`${server.url}/v1/agents/acme-support/knowledge`)).json()) as { sources: { documents: number }[] };
      assert.ok(listed.sources.every((s) => s.documents === 0));
    } finally {
      await stop(server.child);
      await rm(other, { recursive: true, force: true });
    }
  });
});
