/**
 * The scripted OpenAI-compatible server of bench/eval, in a process of its own so its work does not
 * share an event loop (or a core's time slices) with the runner being measured. Every chat
 * completion waits the same fixed latency and answers the same text. Prints one JSON line
 * `{"url": ...}` once listening; stops when its standard input closes, so it never outlives the bench.
 *
 * Usage: node bench/eval/server.ts --latency 50 --text "..."
 */
import { parseArgs } from 'node:util';
import { startScriptedLlm } from '../../test/fixtures/scripted-llm.ts';
import { ANSWER } from './cases.ts';

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '50' },
    text: { type: 'string', default: ANSWER },
  },
});
const latencyMs = Number(values.latency);
if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`--latency must be a number of milliseconds ≥ 0, got "${values.latency}"`);
const text = values.text;

const llm = await startScriptedLlm({ record: false, respond: () => ({ text, latencyMs }) });
process.stdout.write(`${JSON.stringify({ url: llm.url })}\n`);
process.stdin.resume();
process.stdin.once('end', () => void llm.close().then(() => process.exit(0)));
