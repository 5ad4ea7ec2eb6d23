import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatService } from '../../src/agent/chat-service.ts';
import { loadAgent } from '../../src/agent/load.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { ground } from '../../src/agent/runtime/ground.ts';
import { TurnTracer } from '../../src/trace/tracer.ts';
import { syncAgentKnowledge } from '../../src/knowledge/ingest.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { getTrace } from '../../src/trace/store.ts';
import { renderTraceTree } from '../../src/trace/render.ts';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.ts';

const fixture = fileURLToPath(new URL('../fixtures/agents/mini-knowledge/', import.meta.url));

/** A copy of the fixture agent with `models` replaced, so one fixture serves every model setup. */
async function variant(models: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'agentproof-ground-'));
  await cp(fixture, dir, { recursive: true });
  const file = path.join(dir, 'agent.yaml');
  const yaml = await readFile(file, 'utf8');
  await writeFile(file, yaml.replace('topics:', `models:\n${models}\ntopics:`));
  return dir;
}

describe('grounded answers on the local models', () => {
  let db: Db;
  let chat: ChatService;

  before(async () => {
    db = await openStore({ memory: true });
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    const agent = await agents.addRef(fixture);
    await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
    chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
  });
  after(() => db.close());

  test('answers from the topic knowledge with a citation whose source names document, section and link', async () => {
    const s = await chat.createSession('mini-knowledge', 'test');
    const r = await chat.send(s.id, 'How often should I sharpen the mower blade?');
    assert.equal(r.topic, 'garden');
    assert.match(r.reply ?? '', /every 25 hours of mowing.*\[1\]/);
    assert.equal(r.sources.length, 1);
    const [source] = r.sources;
    assert.equal(source.source, 'garden_handbook');
    assert.equal(source.document, 'mower.md');
    assert.equal(source.section, 'Lawn mower care › Sharpening the blade');
    assert.equal(source.link, 'https://help.greenleaf.example/garden/mower.md');
    assert.equal(source.supported, true);
  });

  test('records the six RAG stages on the trace and shows them in the trace tree', async () => {
    const s = await chat.createSession('mini-knowledge', 'test');
    const r = await chat.send(s.id, 'Can the cast iron pan go in the dishwasher?');
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    const stages = trace.stages;
    assert.ok(stages, 'the trace carries stages');
    assert.deepEqual(Object.keys(stages).sort(), ['chunks', 'grounding', 'handoff', 'query', 'response', 'retriever']);
    assert.equal(stages.query.original, 'Can the cast iron pan go in the dishwasher?');
    assert.equal(stages.query.empty, false);
    assert.ok(stages.retriever.candidates.fulltext > 0);
    assert.equal(stages.retriever.candidates.vector, null, 'no embedding model, no vector candidates');
    assert.ok(stages.chunks.relevance.length > 0);
    assert.ok(stages.handoff.contextTokens <= stages.handoff.budgetTokens);
    assert.ok(stages.handoff.citedPositions.length >= 1);
    assert.equal(stages.response.abstained, false);
    assert.ok(stages.grounding.made >= 1);
    assert.equal(stages.grounding.supported, stages.grounding.made);
    assert.deepEqual(stages.grounding.unsupported, []);
    assert.deepEqual(trace.spans.filter((sp) => sp.kind === 'retrieve').map((sp) => sp.name), ['query', 'retrieve', 'handoff']);

    const text = renderTraceTree(trace);
    assert.match(text, /RAG stages/);
    for (const label of ['1 query', '2 retriever', '3 chunks', '4 hand-off', '5 response', '6 grounding']) assert.match(text, new RegExp(label));
  });

  test('a topic reads only its own sources, and their statistics alone', async () => {
    const agent = (await new AgentRegistry(db, DEFAULT_PROJECT_ID).addRef(fixture));
    const tracer = new TurnTracer();
    const g = await ground({ db, projectId: DEFAULT_PROJECT_ID }, agent, 'garden', 'How do I sharpen the chef knife on a whetstone?', [], tracer);
    assert.ok(g);
    assert.ok(g.chunks.length > 0);
    assert.deepEqual([...new Set(g.chunks.map((c) => c.sourceName))], ['garden_handbook']);
    const span = tracer.finished.find((sp) => sp.name === 'retrieve');
    assert.deepEqual(span?.attributes.sources_searched, ['garden_handbook']);
  });

  test('abstains without citations when the knowledge does not hold the answer, and says so on the trace', async () => {
    const s = await chat.createSession('mini-knowledge', 'test');
    const r = await chat.send(s.id, 'What oil does the hedge trimmer take?');
    assert.equal(r.topic, 'garden');
    assert.deepEqual(r.sources, []);
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    assert.equal(trace.stages?.response.abstained, true);
    assert.equal(trace.stages?.grounding.made, 0);
  });

  test('measures retrieval recall and precision on the trace when the message names the sources it expects', async () => {
    const s = await chat.createSession('mini-knowledge', 'test');
    const r = await chat.send(s.id, 'How do I store pruning shears over winter?', { expectedSources: ['shears.md', 'docs/garden/hose.md'] });
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    const expected = trace.stages?.chunks.expected;
    assert.ok(expected);
    assert.equal(expected.recall, 0.5);
    assert.deepEqual(expected.missing, ['docs/garden/hose.md']);
    assert.ok(expected.precision > 0 && expected.precision <= 1);
    assert.ok(trace.stages!.retriever.scores.every((x) => x.source === 'garden_handbook' && /\.md$/.test(x.document)));
  });

  test('a follow-up question is expanded with the previous question before retrieval', async () => {
    const s = await chat.createSession('mini-knowledge', 'test');
    await chat.send(s.id, 'How do I store pruning shears over winter?');
    const r = await chat.send(s.id, 'and what about the oil?');
    assert.equal(r.topic, 'garden', 'routed with the previous question');
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    assert.equal(trace.stages?.query.rewrite.method, 'history');
    assert.match(trace.stages?.query.rewritten ?? '', /shears/);
  });
});

describe('grounded answers from an OpenAI-compatible model, with vectors and a reranker', () => {
  let db: Db;
  let chat: ChatService;
  let llm: ScriptedLlm;
  let dir: string;

  before(async () => {
    llm = await startScriptedLlm();
    process.env.OPENAI_COMPATIBLE_BASE_URL = llm.url;
    dir = await variant('  route: local/router\n  answer: openai-compatible/scripted-model\n  rewrite: openai-compatible/scripted-model\n  embed: openai-compatible/embedder\n  rerank: openai-compatible/reranker');
    db = await openStore({ memory: true });
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    const agent = await agents.addRef(dir);
    await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { embedder: agent.embedder ?? undefined });
    chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
  });
  after(async () => {
    await db.close();
    await llm.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => llm.reset());
  // The scripted server serves embedding and rerank calls from the same queue as completions: each
  // turn embeds the query, reranks, then asks for the answer; `{}` lets the first two compute.
  const retrieval = [{}, {}];

  test('hands numbered passages to the model and checks each [n] against the passage it cites', async () => {
    llm.enqueue(...retrieval, {
      text: 'The cast iron pan is oven safe up to 260 °C [1]. It also comes with a lifetime warranty [1]. See [9].',
    });
    const s = await chat.createSession('mini-knowledge', 'test');
    const r = await chat.send(s.id, 'What temperature can the cast iron pan take in the oven?');
    assert.equal(r.status, 'completed');
    const system = llm.requests.at(-1)?.messages.find((m) => m.role === 'system');
    assert.match(String(system?.content), /\[1\] Pans and pots › Cast iron pan\nThe cast iron pan is oven safe up to 260 °C/);
    assert.match(String(system?.content), /cite it with its number in square brackets/);

    assert.deepEqual(r.sources.map((x) => [x.n, x.document, x.supported]), [[1, 'pans.md', true]]);
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    const g = trace.stages!.grounding;
    assert.equal(g.made, 3);
    assert.equal(g.supported, 1);
    assert.deepEqual(g.invalid, [9]);
    assert.ok(g.unsupported.some((sentence) => /lifetime warranty/.test(sentence)));
  });

  test('fuses full-text and vector candidates, reranks them, and accounts the embedding and rerank calls', async () => {
    llm.enqueue(...retrieval, { text: 'Wash it by hand [1].' });
    const s = await chat.createSession('mini-knowledge', 'test');
    const r = await chat.send(s.id, 'Can the cast iron pan go in the dishwasher?');
    assert.equal(r.reply, 'Wash it by hand [1].');
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    const retriever = trace.stages!.retriever;
    assert.ok(retriever.candidates.fulltext > 0);
    assert.ok((retriever.candidates.vector ?? 0) > 0);
    assert.equal(retriever.reranked, true);
    assert.equal(llm.embeddingRequests.length, 1, 'the query is embedded once');
    assert.equal(llm.rerankRequests.length, 1);
    const span = trace.spans.find((sp) => sp.name === 'retrieve')!;
    assert.match(span.model ?? '', /openai-compatible\/embedder/);
    assert.ok(span.inputTokens > 0);
  });

  test('rewrites a follow-up with the model using the conversation and searches with the rewrite', async () => {
    llm.enqueue(...retrieval, { text: 'Sharpen the chef knife about every three months [1].' });
    const s = await chat.createSession('mini-knowledge', 'test');
    await chat.send(s.id, 'How do I sharpen the chef knife?');
    llm.enqueue({ text: 'how to hone the chef knife before each use' }, ...retrieval, { text: 'Hone it on a steel before each use [1].' });
    const r = await chat.send(s.id, 'and before each use?');
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    assert.equal(trace.stages?.query.rewrite.method, 'model');
    assert.equal(trace.stages?.query.rewritten, 'how to hone the chef knife before each use');
    const query = trace.spans.find((sp) => sp.name === 'query')!;
    assert.equal(query.model, 'openai-compatible/scripted-model');
  });
});

test('an agent with declared knowledge that was never ingested still answers, from nothing', async () => {
  const db = await openStore({ memory: true });
  try {
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    await agents.add(await loadAgent(path.join(fixture, 'agent.yaml')));
    const chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
    const s = await chat.createSession('mini-knowledge', 'test');
    const r = await chat.send(s.id, 'How often should I sharpen the mower blade?');
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.sources, []);
    const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
    assert.deepEqual(trace.spans.find((sp) => sp.name === 'retrieve')?.attributes.sources_missing, ['garden_handbook']);
  } finally {
    await db.close();
  }
});
