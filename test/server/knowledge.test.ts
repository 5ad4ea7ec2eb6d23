import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatService } from '../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import type { IngestSummary } from '../../src/knowledge/ingest.ts';
import { createApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/listen.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { tempAgent, type TempAgent } from '../knowledge/ingest-agent.ts';

interface SourceView {
  name: string;
  path: string;
  documents: number;
  chunks: number;
  lastIngestedAt: string | null;
}

describe('the knowledge API', () => {
  let db: Db;
  let server: RunningServer;
  let agent: TempAgent;
  const base = () => `${server.url}/v1/agents/api-agent/knowledge`;
  const upload = (fields: [string, string | Blob, string?][]) => {
    const form = new FormData();
    for (const [name, value, filename] of fields) {
      if (typeof value === 'string') form.append(name, value);
      else form.append(name, value, filename);
    }
    return fetch(`${base()}/documents`, { method: 'POST', body: form });
  };

  before(async () => {
    agent = await tempAgent('api-agent', [{ name: 'faq', path: 'faq' }, { name: 'manuals', path: 'manuals' }]);
    await agent.write('faq/returns.md', '# Returns\n\nReturns are accepted for 30 days.\n');
    await agent.write('faq/hours.txt', 'Open from 9 to 5.\n');
    await agent.write('manuals/headset.md', '# Headset\n\n## Pairing\n\nHold the button for five seconds.\n');
    db = await openStore({ memory: true });
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    await agents.addRef(agent.dir);
    server = await listen(createApp({ chat: new ChatService(db, agents, DEFAULT_PROJECT_ID) }), '127.0.0.1', 0);
  });
  after(async () => {
    await server.close();
    await db.close();
    await agent.remove();
  });

  test('lists the declared sources with nothing stored before the first sync', async () => {
    const res = await fetch(base());
    assert.equal(res.status, 200);
    const body = (await res.json()) as { agent: string; sources: SourceView[] };
    assert.equal(body.agent, 'api-agent');
    assert.deepEqual(body.sources.map((s) => [s.name, s.path, s.documents, s.lastIngestedAt]), [['faq', 'faq', 0, null], ['manuals', 'manuals', 0, null]]);
  });

  test('syncs every declared source and returns the summary; the list then shows counts and when', async () => {
    const res = await fetch(`${base()}/sync`, { method: 'POST' });
    assert.equal(res.status, 200);
    const summary = (await res.json()) as IngestSummary;
    assert.deepEqual(summary.documents, { added: 3, changed: 0, unchanged: 0, removed: 0 });
    assert.deepEqual(summary.failed, []);

    const listed = (await (await fetch(base())).json()) as { sources: SourceView[] };
    const faq = listed.sources.find((s) => s.name === 'faq')!;
    assert.equal(faq.documents, 2);
    assert.ok(faq.chunks >= 2);
    assert.ok(faq.lastIngestedAt && Date.now() - Date.parse(faq.lastIngestedAt) < 60_000);

    const one = await fetch(`${base()}/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'manuals' }) });
    assert.deepEqual(((await one.json()) as IngestSummary).sources.map((s) => [s.name, s.documents.unchanged]), [['manuals', 1]]);
  });

  test('ingests uploaded files under their names, reporting a bad one in failed with status 200', async () => {
    const res = await upload([
      ['source', 'manuals'],
      ['files', new Blob(['# Charger\n\nThe charger takes two hours.\n']), 'guides/charger.md'],
      ['files', new Blob([new Uint8Array([0, 1, 2, 3, 0, 255, 0, 7])]), 'junk.txt'],
    ]);
    assert.equal(res.status, 200);
    const summary = (await res.json()) as IngestSummary;
    assert.deepEqual(summary.documents, { added: 1, changed: 0, unchanged: 0, removed: 0 });
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0].file, 'junk.txt');
    assert.match(summary.failed[0].reason, /binary/);
    const [doc] = await db.query<{ path: string; metadata: Record<string, unknown> }>(
      `SELECT d.path, d.metadata FROM knowledge_documents d JOIN knowledge_sources s ON s.id = d.source_id WHERE s.name = 'manuals' AND d.path = 'guides/charger.md'`,
    );
    assert.equal(doc.metadata.origin, 'added');

    // a later sync keeps what was uploaded
    const synced = (await (await fetch(`${base()}/sync`, { method: 'POST' })).json()) as IngestSummary;
    assert.equal(synced.documents.removed, 0);
  });

  test('answers 400 naming the field for missing files, an unknown or unnamed source, or a climbing file name', async () => {
    const cases: [[string, string | Blob, string?][], string, RegExp][] = [
      [[['source', 'faq']], 'files', /attach one or more files/],
      [[['files', new Blob(['x']), 'a.txt']], 'source', /2 knowledge sources; name one with source: faq, manuals/],
      [[['source', 'blog'], ['files', new Blob(['x']), 'a.txt']], 'source', /no knowledge source "blog"; declared: faq, manuals/],
      [[['source', 'faq'], ['files', new Blob(['x']), '../a.txt']], 'files', /not a relative path/],
    ];
    for (const [fields, field, message] of cases) {
      const res = await upload(fields);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: { message: string; issues: { path: string }[] } };
      assert.match(body.error.message, message);
      assert.equal(body.error.issues[0].path, field);
    }
  });

  test('answers 404 for an agent the server does not run', async () => {
    const res = await fetch(`${server.url}/v1/agents/nobody/knowledge/sync`, { method: 'POST' });
    assert.equal(res.status, 404);
  });

  test('describes the knowledge routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    assert.ok(doc.paths['/v1/agents/{name}/knowledge'].get);
    assert.ok(doc.paths['/v1/agents/{name}/knowledge/sync'].post);
    assert.ok(doc.paths['/v1/agents/{name}/knowledge/documents'].post);
  });
});
