/**
 * bench/eval — what the testing center itself adds to a suite run against an endpoint that takes a
 * fixed time to answer.
 *
 * A scripted OpenAI-compatible server runs in a process of its own and answers every chat
 * completion after --latency ms. Each run is a process of its own too (bench/eval/ours.ts): N cases
 * with an `openai` target, `contains` and `regex` on every reply, runSuite on a fresh file-backed
 * PGlite store, the model cache off.
 *
 * 1. Overhead: one run per --concurrency; wall time against the ideal cases × latency ÷ concurrency,
 *    beside a bare HTTP client's (bench/eval/bare.ts) on the same cases: the floor of this machine.
 *    --latency takes a list: the first (200 ms, a fast model) gets every table, each further one
 *    (50 ms, a stress figure) the overhead table only.
 * 2. Memory: --memory-cases at concurrency --memory-concurrency; peak RSS and live heap of each.
 * 3. --with-promptfoo: promptfoo (installed from the npm registry on first use) on the same cases
 *    against the same server, at each --concurrency, beside Agentproof's figures.
 *
 * Usage: node bench/eval/run.ts [--cases 1000] [--concurrency 1,8,32] [--c1-cases 200] [--latency 200,50]
 *          [--memory-cases 1000,10000] [--memory-concurrency 32] [--with-promptfoo] [--promptfoo-version 0.123.1]
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BareFigures } from './bare.ts';
import type { OursFigures } from './ours.ts';
import { installPromptfoo, runPromptfoo, type PromptfooFigures } from './promptfoo.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1,8,32' },
    'c1-cases': { type: 'string', default: '200' },
    latency: { type: 'string', default: '200,50' },
    'memory-cases': { type: 'string', default: '1000,10000' },
    'memory-concurrency': { type: 'string', default: '32' },
    'with-promptfoo': { type: 'boolean', default: false },
    'promptfoo-version': { type: 'string', default: '0.123.1' },
  },
});

function whole(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${flag} must be a whole number ≥ 1, got "${text}"`);
  return n;
}
const wholes = (text: string, flag: string) => text.split(',').map((t) => whole(t.trim(), flag));

const CASES = whole(values.cases, '--cases');
const CONCURRENCY = wholes(values.concurrency, '--concurrency');
const C1_CASES = Math.min(CASES, whole(values['c1-cases'], '--c1-cases'));
const LATENCIES = values.latency.split(',').map((t) => {
  const ms = Number(t.trim());
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`--latency must be milliseconds > 0 (a list: 200,50), got "${values.latency}"`);
  return ms;
});
const MEMORY_CASES = wholes(values['memory-cases'], '--memory-cases');
const MEMORY_CONCURRENCY = whole(values['memory-concurrency'], '--memory-concurrency');
/** How often a memory run measures its live heap as it goes: each time another quarter of its cases is done. */
const LIVE_SAMPLES = 4;

/** Concurrency 1 takes cases × latency: it runs --c1-cases instead. */
const casesAt = (concurrency: number) => (concurrency === 1 ? C1_CASES : CASES);
const ideal = (cases: number, concurrency: number, latency: number) => (cases * latency) / concurrency;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** The scripted server in its own process; it exits when its standard input closes. */
function startServer(latency: number): Promise<Server> {
  const child = spawn(process.execPath, [here('./server.ts'), '--latency', String(latency)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n')[0];
      if (!out.includes('\n')) return;
      const stop = async () => {
        child.stdin.end();
        await exited;
      };
      resolve({ url: (JSON.parse(line) as { url: string }).url, stop });
    });
    child.once('exit', (code) => reject(new Error(`the scripted server exited with ${code} before listening`)));
  });
}

type Ours = OursFigures & { processWallMs: number };
const oursDone = new Map<string, Ours>();

/** Runs a bench script in a child process and returns what it printed. */
function child(args: string[], what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    proc.stdout.on('data', (d: Buffer) => (text += d));
    proc.once('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`${what} exited ${code}`))));
  });
}

/**
 * One Agentproof run in a child process; a (cases, concurrency, samples) triple runs once per
 * server. Live memory samples cost a full GC each, which also trims the heap, so a run that takes
 * them is not used for speed or peak memory.
 */
async function ours(url: string, cases: number, concurrency: number, liveSamples = 0): Promise<Ours> {
  const key = `${url} ${cases}@${concurrency}/${liveSamples}`;
  const done = oursDone.get(key);
  if (done) return done;
  const t0 = performance.now();
  const args = ['--expose-gc', here('./ours.ts'), '--url', url, '--cases', String(cases), '--concurrency', String(concurrency), '--live-samples', String(liveSamples)];
  const out = await child(args, `the run of ${cases} cases at concurrency ${concurrency}`);
  const figures: Ours = { ...(JSON.parse(out) as OursFigures), processWallMs: performance.now() - t0 };
  // Every case answers the scripted text, so anything else means the run measured something else.
  if (figures.passed !== cases || figures.scoresPerCase !== 2) {
    throw new Error(`expected ${cases} passed cases with 2 scores each, got ${figures.passed} passed and ${figures.scoresPerCase} scores on the fewest`);
  }
  oursDone.set(key, figures);
  return figures;
}

/** One promptfoo eval; every case passes against the scripted server, or the comparison would be with failed requests. */
async function promptfoo(entry: string, url: string, cases: number, concurrency: number): Promise<PromptfooFigures> {
  const figures = await runPromptfoo(entry, url, cases, concurrency);
  if (figures.passed !== cases) throw new Error(`promptfoo passed ${figures.passed} of ${cases} cases at concurrency ${concurrency}; its failed requests would make it look fast`);
  return figures;
}

/** The bare client on the same cases, just before Agentproof's run, so both meet the server in the same state. */
async function bare(url: string, cases: number, concurrency: number): Promise<BareFigures> {
  return JSON.parse(await child([here('./bare.ts'), '--url', url, '--cases', String(cases), '--concurrency', String(concurrency)], `the bare client at concurrency ${concurrency}`)) as BareFigures;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)} MB`);
const pad = (cells: string[], widths: number[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');

function overheadTable(rows: { r: Ours; floor: BareFigures }[], latency: number): void {
  const ideal_ = (cases: number, concurrency: number) => ideal(cases, concurrency, latency);
  const over = (wallMs: number, cases: number, concurrency: number) => `${(((wallMs - ideal_(cases, concurrency)) / ideal_(cases, concurrency)) * 100).toFixed(1)}%`;
  const widths = [11, 6, 8, 8, 10, 11, 13, 11, 11, 10, 9, 12, 16];
  const head = ['concurrency', 'cases', 'wall', 'ideal', 'over ideal', 'bare client', 'overhead/case', 'in HTTP call', 'outside it', 'cases/s', 'CPU/case', 'run peak RSS', 'process peak RSS'];
  console.log(pad(head, widths));
  for (const { r, floor } of rows) {
    const best = ideal_(r.cases, r.concurrency);
    // Each of the `concurrency` workers is busy wall × concurrency ÷ cases per case; all but the latency is overhead.
    const perCase = (r.wallMs * r.concurrency) / r.cases - latency;
    const inCall = r.meanTargetMs - latency;
    console.log(
      pad(
        [
          String(r.concurrency),
          String(r.cases),
          s(r.wallMs),
          s(best),
          over(r.wallMs, r.cases, r.concurrency),
          over(floor.wallMs, floor.cases, floor.concurrency),
          `${perCase.toFixed(2)} ms`,
          `${inCall.toFixed(2)} ms`,
          `${(perCase - inCall).toFixed(2)} ms`,
          (r.cases / (r.wallMs / 1000)).toFixed(1),
          `${(r.cpuMs / r.cases).toFixed(2)} ms`,
          mb(r.runPeakRssMb),
          mb(r.processPeakRssMb),
        ],
        widths,
      ),
    );
  }
  const within = rows.map(({ r }) => `${r.concurrency}: ${r.wallMs <= ideal_(r.cases, r.concurrency) * 1.1 ? 'yes' : 'no'}`).join(', ');
  console.log(`  wall within 10% of ideal — ${within}`);
  const beyond = rows.map(({ r, floor }) => `${r.concurrency}: ${(((r.wallMs - floor.wallMs) / ideal_(r.cases, r.concurrency)) * 100).toFixed(1)}% of ideal`).join(', ');
  console.log(`  Agentproof's wall beyond the bare client's (the runner's own share) — ${beyond}`);
  if (rows.some(({ r }) => r.concurrency === 1) && C1_CASES < CASES) {
    console.log(`  concurrency 1 ran ${C1_CASES} cases, not ${CASES} (--c1-cases): ${CASES} would take ${s(ideal_(CASES, 1))} at the least`);
  }
}

function memoryTable(rows: Ours[]): void {
  const widths = [6, 8, 13, 12, 16, 15, 16];
  const heap = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} MB`);
  console.log(pad(['cases', 'wall', 'RSS at start', 'run peak RSS', 'live heap before', 'live heap after', 'process peak RSS'], widths));
  for (const r of rows) {
    console.log(pad([String(r.cases), s(r.wallMs), mb(r.runStartRssMb), mb(r.runPeakRssMb), heap(r.liveHeapBeforeMb), heap(r.liveHeapMb), mb(r.processPeakRssMb)], widths));
  }
  const [a, b] = [rows[0], rows[rows.length - 1]];
  if (a === b) return;
  const ratio = (x: number | null, y: number | null) => (x === null || y === null ? 'n/a' : `×${(y / x).toFixed(2)}`);
  console.log(`  ${b.cases}/${a.cases} cases: run peak RSS ${ratio(a.runPeakRssMb, b.runPeakRssMb)}, process peak RSS ${ratio(a.processPeakRssMb, b.processPeakRssMb)}, live heap ${ratio(a.liveHeapMb, b.liveHeapMb)}`);
  if (a.liveHeapMb !== null && b.liveHeapMb !== null && a.liveHeapBeforeMb !== null && b.liveHeapBeforeMb !== null) {
    const perCase = (after: number, before: number) => (((b.liveHeapMb! - b.liveHeapBeforeMb!) - (after - before)) * 1024) / (b.cases - a.cases);
    const suite = ((b.liveHeapBeforeMb - a.liveHeapBeforeMb) * 1024) / (b.cases - a.cases);
    console.log(`  live heap the run keeps grows ${perCase(a.liveHeapMb, a.liveHeapBeforeMb).toFixed(2)} KB per case (its results, which runSuite returns); the suite itself takes ${suite.toFixed(2)} KB per case`);
  }
}

/** What a run holds while it goes on, from a run of its own that measures it. */
function liveDuring(r: Ours): void {
  const [first, last] = [r.liveDuringMb[0], r.liveDuringMb.at(-1)!];
  const per = ((last - first) * 1048576) / (r.cases - Math.ceil(r.cases / LIVE_SAMPLES));
  console.log(`  held while a run goes on (a separate ${r.cases}-case run, a full GC at each quarter): live heap + array buffers ${r.liveDuringMb.map((x) => x.toFixed(1)).join(', ')} MB`);
  console.log(`    from the first quarter to the last case: ${(last - first).toFixed(1)} MB, ${per.toFixed(0)} bytes per case`);
}

function promptfooTable(pairs: { ours: Ours; pf: PromptfooFigures }[]): void {
  const widths = [11, 6, 18, 15, 18, 17, 16, 15, 10];
  console.log(pad(['concurrency', 'cases', 'Agentproof run', 'promptfoo eval', 'Agentproof process', 'promptfoo process', 'Agentproof peak', 'promptfoo peak', 'pf passed'], widths));
  for (const { ours: o, pf } of pairs) {
    console.log(pad([String(o.concurrency), String(o.cases), s(o.wallMs), s(pf.evalMs), s(o.processWallMs), s(pf.processWallMs), mb(o.processPeakRssMb), mb(pf.peakRssMb), String(pf.passed)], widths));
  }
  const faster = pairs.map(({ ours: o, pf }) => `${o.concurrency}: ${o.wallMs < pf.evalMs ? 'yes' : 'no'} (${(pf.evalMs / o.wallMs).toFixed(2)}×)`).join(', ');
  console.log(`  Agentproof's run faster than promptfoo's eval — ${faster}`);
  console.log(`  peaks are whole processes: Agentproof's includes creating its fresh embedded store; its run alone is "run peak RSS" above`);
}

/** How each one's memory grows with the cases, from the first memory row to the last. */
function promptfooMemoryTable(rows: { ours: Ours; pf: PromptfooFigures }[]): void {
  const widths = [6, 16, 24, 17];
  console.log(pad(['cases', 'Agentproof run', 'Agentproof process', 'promptfoo process'], widths));
  for (const { ours: o, pf } of rows) console.log(pad([String(o.cases), mb(o.runPeakRssMb), mb(o.processPeakRssMb), mb(pf.peakRssMb)], widths));
  const [a, b] = [rows[0], rows[rows.length - 1]];
  if (a === b) return;
  const ratio = (x: number | null, y: number | null) => (x === null || y === null ? 'n/a' : `×${(y / x).toFixed(2)}`);
  console.log(`  ${b.ours.cases}/${a.ours.cases} cases, peak RSS: Agentproof run ${ratio(a.ours.runPeakRssMb, b.ours.runPeakRssMb)}, Agentproof process ${ratio(a.ours.processPeakRssMb, b.ours.processPeakRssMb)}, promptfoo process ${ratio(a.pf.peakRssMb, b.pf.peakRssMb)}`);
}

console.log(`bench/eval on node ${process.version}, ${cpus().length} cores`);
console.log(`scripted OpenAI-compatible server in its own process, ${LATENCIES.join(' and ')} ms per chat completion, the same reply every time`);
console.log(`each run in its own process: openai target, contains + regex on every reply, fresh file-backed PGlite store, model cache off\n`);

// The first latency gets every table; each further one (a stress figure) only the overhead table.
for (const [index, latency] of LATENCIES.entries()) {
  const server = await startServer(latency);
  try {
    console.log(`${index > 0 ? '\n' : ''}Overhead by concurrency at ${latency} ms`);
    const rows: { r: Ours; floor: BareFigures }[] = [];
    for (const c of CONCURRENCY) {
      const floor = await bare(server.url, casesAt(c), c);
      rows.push({ r: await ours(server.url, casesAt(c), c), floor });
    }
    overheadTable(rows, latency);
    if (index > 0) continue;

    console.log(`\nMemory at concurrency ${MEMORY_CONCURRENCY}, ${latency} ms`);
    const memory: Ours[] = [];
    for (const n of MEMORY_CASES) memory.push(await ours(server.url, n, MEMORY_CONCURRENCY));
    memoryTable(memory);
    liveDuring(await ours(server.url, Math.max(...MEMORY_CASES), MEMORY_CONCURRENCY, LIVE_SAMPLES));

    const version = values['promptfoo-version'];
    if (!values['with-promptfoo']) {
      console.log(`\npromptfoo: not run (--with-promptfoo installs promptfoo@${version} from the npm registry and runs the same cases beside)`);
    } else {
      const installed = await installPromptfoo(version);
      if (!installed.ok) {
        console.log(`\npromptfoo: not run — it could not be installed from the npm registry:\n${installed.reason}`);
      } else {
        console.log(`\npromptfoo ${version} beside Agentproof at ${latency} ms (${installed.fresh ? 'installed' : 'cached'} in ${installed.dir}; same server, same cases, icontains-all + regex, cache off)`);
        const pairs: { ours: Ours; pf: PromptfooFigures }[] = [];
        for (const c of CONCURRENCY) pairs.push({ ours: await ours(server.url, casesAt(c), c), pf: await promptfoo(installed.entry, server.url, casesAt(c), c) });
        promptfooTable(pairs);

        console.log(`\nMemory beside promptfoo at concurrency ${MEMORY_CONCURRENCY}, ${latency} ms`);
        const reused = pairs.find(({ pf }) => pf.concurrency === MEMORY_CONCURRENCY)?.pf;
        const grown: { ours: Ours; pf: PromptfooFigures }[] = [];
        for (const n of MEMORY_CASES) {
          const pf = reused?.cases === n ? reused : await promptfoo(installed.entry, server.url, n, MEMORY_CONCURRENCY);
          grown.push({ ours: memory.find((m) => m.cases === n)!, pf });
        }
        promptfooMemoryTable(grown);
      }
    }
  } finally {
    await server.stop();
  }
}
