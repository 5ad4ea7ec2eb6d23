/**
 * The floor of bench/eval: the same requests at the same concurrency from a client that does
 * nothing else — undici's request on one keep-alive pool (as the openai target uses), the reply
 * parsed and dropped; no store, no evaluators. Its wall time over ideal is what the server, the
 * loopback and the HTTP client cost on this machine; Agentproof's figure beyond it is the runner's.
 * Runs in a process of its own, like each Agentproof run. Prints one JSON line (BareFigures).
 *
 * Usage: node bench/eval/bare.ts --url http://127.0.0.1:PORT/v1 --cases 1000 --concurrency 32
 */
import { Agent, request } from 'undici';
import { runArgs, utterance } from './cases.ts';

export interface BareFigures {
  cases: number;
  concurrency: number;
  wallMs: number;
  /** Mean request time, the server's fixed latency included. */
  meanMs: number;
}

const args = runArgs();
const { cases, concurrency } = args;
const url = `${args.url}/chat/completions`;
const pool = new Agent({ keepAliveTimeout: 10_000 });

let next = 0;
let total = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Math.min(concurrency, cases) }, async () => {
    while (next < cases) {
      const i = next++;
      const started = performance.now();
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ model: 'scripted', messages: [{ role: 'user', content: utterance(i) }] }),
        dispatcher: pool,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
      JSON.parse(text);
      total += performance.now() - started;
    }
  }),
);
const figures: BareFigures = { cases, concurrency, wallMs: performance.now() - t0, meanMs: total / cases };
await pool.close();
process.stdout.write(`${JSON.stringify(figures)}\n`);
