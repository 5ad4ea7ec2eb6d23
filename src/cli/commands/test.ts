import { writeAtomically } from '../write-file.ts';
import path from 'node:path';
import type { Command } from 'commander';
import { ChatService } from '../../agent/chat-service.ts';
import { AgentRegistry } from '../../agent/registry.ts';
import { agentNameOf, isAgentPath } from '../../agent/load.ts';
import type { RunSummary } from '../../eval/run/summary.ts';
import { AgentproofError, InputError } from '../../core/errors.ts';
import { builtinEvaluators } from '../../eval/evaluators/registry.ts';
import { agentRun } from '../../eval/run/for-agent.ts';
import { compareRuns, type RunComparison } from '../../eval/run/compare.ts';
import type { CaseResult } from '../../eval/run/aggregate.ts';
import { getRun, previousRun, resultsOf, verdictsOf, type RunRow } from '../../eval/run/store.ts';
import { storeCache } from '../../models/call-scope.ts';
import { renderHtml } from '../../eval/report/html.ts';
import { MAX_REPORT_TRACES } from '../../eval/report/html-traces.ts';
import { renderJunit } from '../../eval/report/junit.ts';
import { renderComparison, renderRun } from '../../eval/report/terminal.ts';
import type { Evaluator, Suite, TargetConfig } from '../../eval/contracts.ts';
import { runSuite, type RunOptions, type RunProgress } from '../../eval/run/runner.ts';
import { loadSuite } from '../../eval/suite/load.ts';
import type { Target } from '../../eval/targets/agent.ts';
import { resolveTarget, targetVersion, targetWarnings } from '../../eval/targets/resolve.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../store/db.ts';
import { getTrace, traceWithSpansFromJson } from '../../trace/store.ts';
import type { TraceWithSpans } from '../../trace/types.ts';
import { syncQuietly } from '../knowledge-sync.ts';
import { action, EXIT, printJson } from '../run.ts';
import { serverRequest, withStoreOrServer } from '../store-access.ts';
import { remoteResults, runOnServer } from '../test-remote.ts';

interface TestOptions {
  agent?: string;
  agents: string;
  data?: string;
  concurrency: string;
  repeat: string;
  resume?: string;
  approvals: string;
  json?: boolean;
  junit?: string;
  html?: string;
  baseline?: string | false;
  cache: boolean;
  providerLimit?: string;
}

export function register(program: Command): void {
  program
    .command('test')
    .description('Run a test suite against an agent: every case scored, a gate decides. Exit 0 gate passed, 1 gate failed, 2 bad input.')
    .argument('<suite>', 'suite file: .yaml, .jsonl, .csv, or an Agentforce test spec')
    .option('--agent <agent>', "agent file, folder or name under --agents (default: the suite's `agent`)")
    .option('--agents <dir>', 'folder of agents, for an agent given by name', process.env.AGENTPROOF_AGENTS ?? 'agents')
    .option('--data <dir>', 'embedded store directory (default .agentproof; DATABASE_URL selects PostgreSQL)')
    .option('--concurrency <n>', 'cases run at once', '4')
    .option('--repeat <k>', 'run every case k times and report consistency and pass^k', '1')
    .option('--resume <run>', 'continue an interrupted run: only cases without a result run')
    .option('--approvals <policy>', 'decide actions that need approval: approve or deny', 'approve')
    .option('--json', 'print the run summary as JSON')
    .option('--junit <file>', 'also write the results as JUnit XML for CI')
    .option('--html <file>', 'also write a self-contained HTML report with charts (opens offline)')
    .option('--baseline <run>', 'compare with this run (default: the last completed run of the same suite)')
    .option('--no-baseline', 'do not compare with an earlier run')
    .option('--no-cache', 'call the models for every case, even when an earlier run made the same call')
    .option('--provider-limit <limits>', 'most model calls in flight per provider, e.g. openai=8,azure=4')
    .action(
      action(async (file: string, opts: TestOptions) => {
        const concurrency = whole(opts.concurrency, '--concurrency');
        const repeat = whole(opts.repeat, '--repeat');
        if (opts.approvals !== 'approve' && opts.approvals !== 'deny') {
          throw new InputError(`--approvals must be approve or deny, got "${opts.approvals}"`, [{ path: '--approvals', message: 'expected approve or deny' }]);
        }
        const { suite } = await loadSuite(file);
        const run: RunSettings = {
          concurrency,
          repeat,
          resume: opts.resume,
          json: opts.json,
          junit: opts.junit,
          html: opts.html,
          baseline: opts.baseline,
          cache: opts.cache,
          providerLimits: providerLimits(opts.providerLimit),
        };
        // The command line's --agent wins over the suite's target, as it does over the suite's agent.
        if (suite.target && !opts.agent) return testTarget(suite, suite.target, opts.data, run);
        // A path in the suite file is relative to the suite; a bare name is looked up under --agents.
        const ref = opts.agent ?? (suite.agent && isAgentPath(suite.agent) ? path.resolve(path.dirname(file), suite.agent) : suite.agent);
        if (!ref) throw new InputError(`no agent to test: give --agent, or name one in ${file} as "agent:" or "target:"`, [{ file, path: 'agent', message: 'missing' }]);
        return withStoreOrServer({ data: opts.data, command: 'agentproof test' }, {
          local: async (db) => {
            const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
            const agent = await agents.addRef(ref, opts.agents);
            await syncQuietly(db, agent);
            const setup = agentRun(new ChatService(db, agents, DEFAULT_PROJECT_ID), agent, suite, opts.approvals as 'approve' | 'deny');
            return runAndReport(db, setup.suite, setup.target, setup.evaluators, setup.agent, run);
          },
          remote: async (url) => {
            if (!opts.json) process.stderr.write(`(the store is held by a running server; running the suite through it at ${url})\n`);
            const name = await agentNameOf(ref, opts.agents);
            const progress = run.json ? undefined : progressLine();
            const started = performance.now();
            const remote = await runOnServer(url, file, { agent: name, concurrency, repeat, approvals: opts.approvals }, (done, total) =>
              progress?.({ done, total, elapsedMs: performance.now() - started }),
            );
            return report(remote, null, run, {
              results: () => remoteResults(url, remote.run.id),
              trace: async (id) => traceWithSpansFromJson(await serverRequest<Record<string, any>>(url, `/v1/traces/${encodeURIComponent(id)}`)),
            });
          },
        });
      }),
    );
}

interface RunSettings {
  concurrency: number;
  repeat: number;
  resume?: string;
  json?: boolean;
  junit?: string;
  html?: string;
  /** A run id, false for none, undefined for the suite's last completed run. */
  baseline?: string | false;
  cache: boolean;
  providerLimits: Record<string, number>;
}

/**
 * An agent built elsewhere: no agent to load, and no model of ours, so the model-graded evaluators
 * do not run. The run is recorded like any other, under the target's label and config hash.
 */
async function testTarget(suite: Suite, config: TargetConfig, data: string | undefined, run: RunSettings): Promise<number> {
  // Before the store is opened: a missing environment variable is the user's to fix, not a failed run.
  const target = resolveTarget(config);
  for (const warning of targetWarnings(suite, config)) process.stderr.write(`warning: ${warning}\n`);
  return withStoreOrServer({ data, command: 'agentproof test' }, {
    local: (db) => runAndReport(db, suite, target, builtinEvaluators(), { name: target.label, version: targetVersion(config), models: {} }, run),
    remote: storeInUse,
  });
}

async function runAndReport(db: Db, suite: Suite, target: Target, evaluators: Map<string, Evaluator>, agent: RunOptions['agent'], run: RunSettings): Promise<number> {
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  try {
    const outcome = await runSuite(db, suite, target, evaluators, {
      projectId: DEFAULT_PROJECT_ID,
      agent,
      concurrency: run.concurrency,
      repeat: run.repeat,
      resume: run.resume,
      signal: abort.signal,
      onProgress: run.json ? undefined : progressLine(),
      cache: run.cache ? storeCache(db, DEFAULT_PROJECT_ID) : null,
      providerLimits: run.providerLimits,
    });
    return report(outcome, await compareWithBaseline(db, outcome.run, outcome.results, run.baseline), run, {
      results: () => resultsOf(db, DEFAULT_PROJECT_ID, outcome.run.id),
      trace: (id) => getTrace(db, DEFAULT_PROJECT_ID, id),
    });
  } catch (err) {
    if (abort.signal.aborted) {
      process.stderr.write(`\ninterrupted: the results so far are kept; continue with --resume\n`);
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', stop);
  }
}

/** Where the reports read what a run does not keep in memory: local store or server. */
interface ReportSource {
  /** The results with their reasons. */
  results: () => Promise<CaseResult[]>;
  trace: (id: string) => Promise<TraceWithSpans>;
}

/** Reports a finished run in every form asked for; the exit code is the gate's verdict. */
async function report(outcome: { run: RunRow; summary: RunSummary }, comparison: RunComparison | null, run: RunSettings, source: ReportSource): Promise<number> {
  if (!run.json) process.stderr.write('\n');
  const results = run.junit || run.html ? await source.results() : [];
  if (run.junit) await writeAtomically(run.junit, renderJunit(outcome.run, outcome.summary, results));
  if (run.html) await writeAtomically(run.html, renderHtml(outcome.run, outcome.summary, results, await failedTraces(results, source.trace)));
  if (run.json) printJson({ run: { ...outcome.run, summary: undefined }, summary: outcome.summary, comparison });
  else process.stdout.write(renderRun(outcome.run, outcome.summary) + (comparison ? renderComparison(comparison) : ''));
  return outcome.summary.gate.passed ? EXIT.ok : EXIT.failed;
}

/** The traces of the failed cases, for the HTML report; beyond the cap, or gone from the store, they are named only. */
async function failedTraces(results: CaseResult[], load: ReportSource['trace']): Promise<{ traces: TraceWithSpans[]; missingTraces: string[] }> {
  const ids = [...new Set(results.filter((r) => !r.passed).flatMap((r) => r.traceIds))];
  const traces: TraceWithSpans[] = [];
  const missingTraces = ids.slice(MAX_REPORT_TRACES);
  for (const id of ids.slice(0, MAX_REPORT_TRACES)) {
    try {
      traces.push(await load(id));
    } catch (err) {
      // A trace deleted since (retention) is named in the report; any other failure is the store's and stops the report.
      if (!(err instanceof AgentproofError && err.status === 404)) throw err;
      missingTraces.push(id);
    }
  }
  return { traces, missingTraces };
}

/** The comparison with the chosen baseline; null when there is none (the first run of a suite). */
async function compareWithBaseline(db: Db, run: RunRow, results: CaseResult[], baseline: string | false | undefined): Promise<RunComparison | null> {
  if (baseline === false) return null;
  const base = baseline ? await getRun(db, DEFAULT_PROJECT_ID, baseline) : await previousRun(db, DEFAULT_PROJECT_ID, run.suiteName, run.id);
  if (!base) return null;
  return compareRuns(base.id, await verdictsOf(db, DEFAULT_PROJECT_ID, base.id), results);
}

/** `openai=8,azure=4` → { openai: 8, azure: 4 }. */
function providerLimits(text: string | undefined): Record<string, number> {
  if (!text) return {};
  const limits: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(openai|azure|anthropic|openai-compatible)=(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 1) {
      throw new InputError(`--provider-limit: "${part}" is not provider=n with a provider of openai, azure, anthropic or openai-compatible and n ≥ 1`, [{ path: '--provider-limit', message: 'expected e.g. openai=8' }]);
    }
    limits[m[1]] = Number(m[2]);
  }
  return limits;
}

async function storeInUse(url: string): Promise<never> {
  throw new InputError(`a server at ${url} holds the store; stop it to run tests on this store, or point --data at another one`, [{ path: '--data', message: 'store in use' }]);
}

/** Written beside the target and renamed over it, so a reader never sees half a report. */
function whole(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${flag} must be a whole number ≥ 1, got "${value}"`, [{ path: flag, message: 'expected a whole number ≥ 1' }]);
  return n;
}

/** One line on stderr, rewritten in place on a terminal: cases done, pass rate so far, ETA, cost. */
function progressLine(): (p: Pick<RunProgress, 'done' | 'total' | 'elapsedMs'> & Partial<Pick<RunProgress, 'passed' | 'costUsd'>>) => void {
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  return (p) => {
    const now = performance.now();
    if (!tty && now - lastPrint < 2000 && p.done < p.total) return;
    lastPrint = now;
    const eta = p.done > 0 ? ((p.elapsedMs / p.done) * (p.total - p.done)) / 1000 : 0;
    // Through a server only the count is known until the end.
    const sofar = p.passed !== undefined && p.done > 0 ? `, ${((p.passed / p.done) * 100).toFixed(1)}% passed so far` : '';
    const cost = p.costUsd !== undefined ? `, cost $${p.costUsd.toFixed(4)}` : '';
    const line = `test: ${p.done}/${p.total} cases${sofar}, ETA ${eta.toFixed(0)} s${cost}`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };
}
