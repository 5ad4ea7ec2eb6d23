/**
 * bench/turn — what a turn costs beyond its models.
 *
 * 1. In-process, local models: N turns through ChatService on a file-backed PGlite store; per turn the
 *    total latency, the overhead = total − time inside route/model spans (the local models' own
 *    compute), and the platform's own share = overhead − time inside the example's actions; p50/p95.
 * 2. In-process, scripted OpenAI-compatible server with a fixed latency: overhead = total − model spans.
 * 3. HTTP throughput: `agentproof serve` in its own process on the local models, C concurrent
 *    clients posting messages over keep-alive HTTP for a fixed count of turns; turns/s and p50/p95.
 *
 * Usage: node bench/turn/run.ts [--turns 2000] [--http-turns 4000] [--concurrency 16] [--latency 20]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ChatService } from '../../src/agent/chat-service.ts';
import { AgentRegistry } from '../../src/agent/registry.ts';
import { DEFAULT_PROJECT_ID } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { getTrace } from '../../src/trace/store.ts';
import { syncAgentKnowledge } from '../../src/knowledge/ingest.ts';
import { startScriptedLlm } from '../../test/fixtures/scripted-llm.ts';

const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '1000' },
    'http-turns': { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '16' },
    latency: { type: 'string', default: '20' },
  },
});
const TURNS = Number(values.turns);
const HTTP_TURNS = Number(values['http-turns']);
const CONCURRENCY = Number(values.concurrency);
const LATENCY = Number(values.latency);

const root = fileURLToPath(new URL('../../', import.meta.url));
const example = join(root, 'examples/acme-support');
const llmAgent = join(root, 'test/fixtures/agents/mini-llm');
// Order look-ups (an action), questions answered from knowledge (retrieval, hand-off, citation
// checks), and an off-topic one, as a support agent sees them.
const messages = [
  'Where is my order A10231?',
  'How much does express shipping cost?',
  'Can you check the status of order A10244?',
  'What is your return policy?',
  'do you accept PayPal?',
  'Has order A10257 shipped yet?',
  'How do I reset my password?',
  'what is the weather like on mars',
];
// mini-llm answers orders and refunds with the scripted model: every turn calls it.
const llmMessages = ['Where is my order A10231?', 'Can you check the status of order A10244?', 'I want a refund for order A10257', 'Has order A10257 shipped yet?'];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function inProcess(label: string, agentPath: string, turns: number, utterances: string[], env: Record<string, string> = {}) {
  Object.assign(process.env, env);
  const dir = await mkdtemp(join(tmpdir(), 'agentproof-bench-'));
  const db = await openStore({ dataDir: dir, databaseUrl: '', command: 'bench' });
  try {
    const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
    const agent = await agents.addRef(agentPath);
    // As `serve` does before it listens: the agent answers from its ingested knowledge.
    await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent);
    const chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
    let grounded = 0;
    const totals: number[] = [];
    const overheads: number[] = [];
    const platform: number[] = [];
    const warmup = Math.min(50, turns);
    for (let i = 0; i < turns + warmup; i++) {
      const session = await chat.createSession(agent.definition.name, 'bench');
      const t0 = performance.now();
      const r = await chat.send(session.id, utterances[i % utterances.length]);
      const total = performance.now() - t0;
      if (r.status === 'failed') throw new Error(`turn failed: ${r.error}`);
      if (i < warmup) continue;
      const trace = await getTrace(db, DEFAULT_PROJECT_ID, r.traceId);
      if (trace.stages) grounded++;
      const spent = (kinds: string[]) => trace.spans.filter((s) => kinds.includes(s.kind)).reduce((n, s) => n + (s.durationMs ?? 0), 0);
      totals.push(total);
      overheads.push(total - spent(['route', 'model']));
      platform.push(total - spent(['route', 'model', 'tool']));
    }
    console.log(`${label}  (${turns} turns, ${grounded} answered from knowledge, file-backed PGlite)`);
    console.log(`  turn latency      p50 ${ms(pct(totals, 50))}  p95 ${ms(pct(totals, 95))}`);
    console.log(`  overhead (−model) p50 ${ms(pct(overheads, 50))}  p95 ${ms(pct(overheads, 95))}`);
    console.log(`  platform only (−model −action) p50 ${ms(pct(platform, 50))}  p95 ${ms(pct(platform, 95))}`);
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function httpThroughput() {
  const dir = await mkdtemp(join(tmpdir(), 'agentproof-bench-http-'));
  const child = spawn(process.execPath, [join(root, 'src/cli/main.ts'), 'serve', '--agents', join(root, 'examples'), '--port', '0', '--data', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: '' },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const sessions = await Promise.all(Array.from({ length: CONCURRENCY }, () => post('/v1/sessions', { agent: 'acme-support' })));
    // Warm-up: JIT and the store's caches.
    await Promise.all(sessions.map((s, i) => post(`/v1/sessions/${s.id}/messages`, { text: messages[i % messages.length] })));
    const latencies: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      sessions.map(async (s) => {
        while (next < HTTP_TURNS) {
          const i = next++;
          const a = performance.now();
          await post(`/v1/sessions/${s.id}/messages`, { text: messages[i % messages.length] });
          latencies.push(performance.now() - a);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(`HTTP API, local models  (${HTTP_TURNS} turns, ${CONCURRENCY} concurrent clients, server in its own process)`);
    console.log(`  throughput        ${(HTTP_TURNS / seconds).toFixed(0)} turns/s`);
    console.log(`  request latency   p50 ${ms(pct(latencies, 50))}  p95 ${ms(pct(latencies, 95))}`);
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (hwm) console.log(`  server peak RSS   ${(Number(hwm[1]) / 1024).toFixed(0)} MB`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`bench/turn on node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
await inProcess('local models (acme-support)', example, TURNS, messages);
const llm = await startScriptedLlm({ record: false, respond: () => ({ text: 'Your order is on its way.', latencyMs: LATENCY }) });
try {
  await inProcess(`scripted OpenAI-compatible server, ${LATENCY} ms per call (mini-llm)`, llmAgent, Math.min(TURNS, 500), llmMessages, { OPENAI_COMPATIBLE_BASE_URL: llm.url });
} finally {
  await llm.close();
}
await httpThroughput();
console.log(`\npeak RSS of the bench process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
