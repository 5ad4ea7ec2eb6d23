/**
 * Runs a suite against a target: every case (times `repeat`) through a pool of `concurrency`
 * workers, scored as it finishes and written to the store at once, so progress survives an
 * interruption and `resume` picks up the cases that have no result yet.
 */
import { ConflictError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../store/db.ts';
import type { Evaluator, Suite, SuiteCase } from '../contracts.ts';
import { scoreCase } from '../evaluators/registry.ts';
import { ProviderLimiter, withModelScope, type ModelCache, type ModelCallScope } from '../../models/call-scope.ts';
import type { Target } from '../targets/agent.ts';
import type { CaseResult } from './aggregate.ts';
import { rootCause } from './root-cause.ts';
import { ResultWriter } from './result-writer.ts';
import { createRun, finishRun, getRun, verdictsOf, type RunRow } from './store.ts';
import { summarize, type RunSummary } from './summary.ts';
import { VerdictLog } from './verdict-log.ts';

export interface RunProgress {
  done: number;
  total: number;
  passed: number;
  costUsd: number;
  elapsedMs: number;
  /** The result just finished. */
  last: CaseResult;
}

export interface RunOptions {
  projectId: string;
  agent: { name: string; version: string; models: Record<string, string | null> };
  concurrency?: number;
  repeat?: number;
  /** Continue this run: only cases without a result run. */
  resume?: string;
  /** Answers model calls made before with the same input from here (opt-out: leave it unset). */
  cache?: ModelCache | null;
  /** Most model calls in flight per provider, e.g. { openai: 8 }. */
  providerLimits?: Record<string, number>;
  /** Called once the run is recorded, before any case runs (the API answers with it at once). */
  onCreated?: (run: RunRow) => void;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
}

export interface RunOutcome {
  run: RunRow;
  summary: RunSummary;
  /**
   * Every case's verdict, scores and measurements, without the scores' reasons: what its summary
   * and a comparison need, kept compactly while the run goes on (VerdictLog). The store holds each
   * result whole (resultsOf), for reports that show why. Reading these back from the store when
   * the run ends was tried: the read itself raised the run's peak memory in bench/eval (698 MB
   * against 661 MB for 10,000 cases).
   */
  results: CaseResult[];
}

export async function runSuite(db: Db, suite: Suite, target: Target, evaluators: Map<string, Evaluator>, opts: RunOptions): Promise<RunOutcome> {
  const repeat = opts.repeat ?? 1;
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be a whole number ≥ 1, got ${repeat}`);

  const run = opts.resume ? await resumable(db, opts, suite, repeat) : await createRun(db, {
    id: newId('run'),
    projectId: opts.projectId,
    suiteName: suite.name,
    suiteFile: suite.file,
    suiteVersion: suite.version,
    agentName: opts.agent.name,
    agentVersion: opts.agent.version,
    models: opts.agent.models,
    repeats: repeat,
    caseCount: suite.cases.length,
    config: { concurrency, target: target.label, cache: !!opts.cache, providerLimits: opts.providerLimits ?? {} },
  });
  opts.onCreated?.(run);
  const log = new VerdictLog();
  const have = new Set<string>();
  for (const r of opts.resume ? await verdictsOf(db, opts.projectId, run.id) : []) {
    log.add(r);
    have.add(`${r.caseId}\u0000${r.repeat}`);
  }
  const queue: { c: SuiteCase; repeat: number }[] = [];
  for (let k = 1; k <= repeat; k++) for (const c of suite.cases) if (!have.has(`${c.id}\u0000${k}`)) queue.push({ c, repeat: k });

  const total = suite.cases.length * repeat;
  const scope: ModelCallScope = {
    ...(opts.cache ? { cache: opts.cache } : {}),
    ...(opts.providerLimits && Object.keys(opts.providerLimits).length ? { limiter: new ProviderLimiter(opts.providerLimits) } : {}),
  };
  const writer = new ResultWriter(db, opts.projectId, run.id);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      opts.signal?.throwIfAborted();
      const { c, repeat: k } = queue[next++];
      const { output, scores } = await withModelScope(scope, async () => {
        const output = await target.run(c, opts.signal);
        return { output, scores: await scoreCase(evaluators, c, output, suite.evaluators, opts.signal) };
      });
      const cause = rootCause(c, output, scores);
      const result: CaseResult = {
        caseId: c.id,
        repeat: k,
        passed: cause === null,
        rootCause: cause,
        scores,
        latencyMs: output.latencyMs,
        costUsd: output.costUsd,
        tokens: output.inputTokens + output.outputTokens,
        expectedTopic: c.expectedTopic,
        topic: output.topic,
        traceIds: output.traceIds,
        tags: c.tags,
      };
      // Waits only when the store has fallen behind; the worker goes on to its next case meanwhile.
      await writer.add({ ...result, output });
      log.add(result);
      opts.onProgress?.({ done: log.size, total, passed: log.passed, costUsd: log.costUsd, elapsedMs: performance.now() - started, last: result });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, queue.length)) }, worker));
    await writer.close();
  } catch (err) {
    // What finished is kept, so a resume runs only what did not.
    await writer.close().catch(() => {});
    await finishRun(db, opts.projectId, run.id, opts.signal?.aborted ? 'interrupted' : 'failed', null);
    throw err;
  }
  const results = log.results();
  const modelGraded = [...evaluators.values()].filter((e) => e.kind === 'model').map((e) => e.name);
  const summary = summarize(results, suite.gate, repeat, modelGraded);
  await finishRun(db, opts.projectId, run.id, 'completed', summary);
  return { run: { ...run, status: 'completed', summary }, summary, results };
}

/** A run to continue: the same suite version and agent version, or the results would not compare. */
async function resumable(db: Db, opts: RunOptions, suite: Suite, repeat: number): Promise<RunRow> {
  const run = await getRun(db, opts.projectId, opts.resume!);
  const differs = [
    run.suiteVersion !== suite.version && `suite ${suite.name} changed (run has version ${run.suiteVersion}, the file is ${suite.version})`,
    run.agentVersion !== opts.agent.version && `agent ${opts.agent.name} changed (run has ${run.agentVersion}, now ${opts.agent.version})`,
    run.repeats !== repeat && `the run repeats cases ${run.repeats} times, not ${repeat}`,
    run.status === 'completed' && 'the run is already complete',
  ].filter(Boolean);
  if (differs.length > 0) throw new ConflictError(`cannot resume run ${run.id}: ${differs.join('; ')}`);
  await db.query(`UPDATE eval_runs SET status = 'running', finished_at = NULL WHERE id = $1`, [run.id]);
  return { ...run, status: 'running' };
}
