/**
 * One Agentproof run of bench/eval, in a process of its own so its peak memory is its own: a suite
 * of N cases with an `openai` target on the scripted server, run with runSuite on a fresh
 * file-backed PGlite store in a temporary directory, as `agentproof test` runs a suite with a
 * target (the model cache off, as `--no-cache`). Prints one JSON line of figures (OursFigures).
 *
 * Usage: node --expose-gc bench/eval/ours.ts --url http://127.0.0.1:PORT/v1 --cases 1000 --concurrency 8
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAiTargetConfig, Suite, SuiteCase } from '../../src/eval/contracts.ts';
import { builtinEvaluators } from '../../src/eval/evaluators/registry.ts';
import { runSuite, type RunProgress } from '../../src/eval/run/runner.ts';
import { resolveTarget, targetVersion } from '../../src/eval/targets/resolve.ts';
import { DEFAULT_PROJECT_ID } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { caseId, MUST_INCLUDE, PATTERN, runArgs, utterance } from './cases.ts';

export interface OursFigures {
  cases: number;
  concurrency: number;
  /** Process start to the store being open and migrated (module loading included). */
  startupMs: number;
  /** runSuite alone: from the run being recorded to the summary being written. */
  wallMs: number;
  /** Mean of the cases' measured target latency: the HTTP round trip, the server's fixed latency included. */
  meanTargetMs: number;
  passed: number;
  /** Scores written per case (2: contains and regex), checked so a silent evaluator is noticed. */
  scoresPerCase: number;
  /** Peak RSS of the whole process: creating the fresh store included. */
  processPeakRssMb: number;
  /** RSS as runSuite starts, and the peak while it runs (null where the peak cannot be reset, off Linux). */
  runStartRssMb: number;
  runPeakRssMb: number | null;
  /** JavaScript heap in use after a full GC (null without --expose-gc): before the run (the suite built, the store open) and after it. */
  liveHeapBeforeMb: number | null;
  liveHeapMb: number | null;
  /**
   * With --live-samples k: the live heap and array buffers (after a full GC) each time another 1/k
   * of the cases is done, the last at the end of the run. Whether memory stays flat while a run
   * goes on.
   */
  liveDuringMb: number[];
  /** CPU time (user + system) of this process during runSuite. */
  cpuMs: number;
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

/**
 * Creating a fresh embedded store peaks far above what the run itself uses, which would hide any
 * growth during the run; Linux lets a process reset its peak RSS (clear_refs 5) and measure anew.
 */
async function resetPeakRss(): Promise<boolean> {
  try {
    await writeFile('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function benchSuite(cases: number): Suite {
  const list: SuiteCase[] = Array.from({ length: cases }, (_, i) => ({
    id: caseId(i),
    utterance: utterance(i),
    mustInclude: MUST_INCLUDE,
    tags: [],
    location: { file: 'bench/eval', line: i + 1 },
  }));
  return {
    name: 'bench-eval',
    file: 'bench/eval',
    version: `bench-${cases}`,
    cases: list,
    evaluators: { regex: { options: { pattern: PATTERN } } },
    gate: [],
  };
}

function liveHeapMb(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}

/** The live heap and the array buffers outside it (where the runner keeps its verdicts), after a full GC. */
function liveMemoryMb(): number {
  const heap = liveHeapMb() ?? Number.NaN;
  return heap + process.memoryUsage().arrayBuffers / 1048576;
}

async function main(): Promise<void> {
  const { url, cases, concurrency, liveSamples } = runArgs();
  const liveDuringMb: number[] = [];
  const every = liveSamples > 0 ? Math.ceil(cases / liveSamples) : 0;
  const config: OpenAiTargetConfig = { type: 'openai', baseUrl: url, model: 'scripted', headers: {}, timeoutMs: 30_000, retries: 0 };
  const target = resolveTarget(config);
  const suite = benchSuite(cases);
  const dataDir = await mkdtemp(join(tmpdir(), 'agentproof-bench-eval-'));
  try {
    const db = await openStore({ dataDir, databaseUrl: '', command: 'bench/eval' });
    try {
      const startupMs = performance.now();
      const liveHeapBeforeMb = liveHeapMb();
      const openPeakMb = rssMb();
      const reset = await resetPeakRss();
      const runStartRssMb = process.memoryUsage().rss / 1048576;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const outcome = await runSuite(db, suite, target, builtinEvaluators(), {
        projectId: DEFAULT_PROJECT_ID,
        agent: { name: target.label, version: targetVersion(config), models: {} },
        concurrency,
        cache: null,
        ...(every ? { onProgress: (p: RunProgress) => void ((p.done % every === 0 || p.done === p.total) && liveDuringMb.push(liveMemoryMb())) } : {}),
      });
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const runPeakRssMb = reset ? rssMb() : null;
      const results = outcome.results;
      const figures: OursFigures = {
        cases,
        concurrency,
        startupMs,
        wallMs,
        meanTargetMs: results.reduce((n, r) => n + r.latencyMs, 0) / results.length,
        passed: results.filter((r) => r.passed).length,
        scoresPerCase: results.reduce((m, r) => Math.min(m, r.scores.length), Infinity),
        processPeakRssMb: Math.max(openPeakMb, rssMb()),
        runStartRssMb,
        runPeakRssMb,
        liveHeapBeforeMb,
        liveHeapMb: liveHeapMb(),
        liveDuringMb,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
      process.stdout.write(`${JSON.stringify(figures)}\n`);
    } finally {
      await db.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
