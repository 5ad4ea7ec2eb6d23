import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ChatService } from '../../agent/chat-service.ts';
import { AgentRegistry } from '../../agent/registry.ts';
import { InputError } from '../../core/errors.ts';
import { builtinEvaluators } from '../../eval/evaluators/registry.ts';
import { renderJunit } from '../../eval/report/junit.ts';
import { renderRun } from '../../eval/report/terminal.ts';
import { runSuite, type RunProgress } from '../../eval/run/runner.ts';
import { loadSuite } from '../../eval/suite/load.ts';
import { agentTarget } from '../../eval/targets/agent.ts';
import { resolveModel } from '../../models/registry.ts';
import { DEFAULT_PROJECT_ID } from '../../store/db.ts';
import { syncQuietly } from '../knowledge-sync.ts';
import { action, EXIT, printJson } from '../run.ts';
import { withStoreOrServer } from '../store-access.ts';

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
    .action(
      action(async (file: string, opts: TestOptions) => {
        const concurrency = whole(opts.concurrency, '--concurrency');
        const repeat = whole(opts.repeat, '--repeat');
        if (opts.approvals !== 'approve' && opts.approvals !== 'deny') {
          throw new InputError(`--approvals must be approve or deny, got "${opts.approvals}"`, [{ path: '--approvals', message: 'expected approve or deny' }]);
        }
        const { suite } = await loadSuite(file);
        // A path in the suite file is relative to the suite; a bare name is looked up under --agents.
        const ref = opts.agent ?? (suite.agent && /[\\/]|\.ya?ml$/.test(suite.agent) ? path.resolve(path.dirname(file), suite.agent) : suite.agent);
        if (!ref) throw new InputError(`no agent to test: give --agent, or name one in ${file} as "agent:"`, [{ file, path: 'agent', message: 'missing' }]);
        return withStoreOrServer({ data: opts.data, command: 'agentproof test' }, {
          local: async (db) => {
            const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
            const agent = await agents.addRef(ref, opts.agents);
            await syncQuietly(db, agent);
            const models = agent.definition.models;
            const judge = models.judge ? resolveModel(models.judge) : null;
            const evaluators = builtinEvaluators({ judge: judge?.kind === 'llm' ? judge : null, embedder: agent.embedder });
            const target = agentTarget({ chat: new ChatService(db, agents, DEFAULT_PROJECT_ID), db, projectId: DEFAULT_PROJECT_ID, agentName: agent.definition.name, agentVersion: agent.version, approvals: opts.approvals as 'approve' | 'deny' });
            const abort = new AbortController();
            const stop = () => abort.abort(new Error('interrupted'));
            process.once('SIGINT', stop);
            try {
              const outcome = await runSuite(db, suite, target, evaluators, {
                projectId: DEFAULT_PROJECT_ID,
                agent: { name: agent.definition.name, version: agent.version, models: { ...models } },
                concurrency,
                repeat,
                resume: opts.resume,
                signal: abort.signal,
                onProgress: opts.json ? undefined : progressLine(),
              });
              if (!opts.json) process.stderr.write('\n');
              if (opts.junit) await writeWhole(opts.junit, renderJunit(outcome.run, outcome.summary, outcome.results));
              if (opts.json) printJson({ run: { ...outcome.run, summary: undefined }, summary: outcome.summary });
              else process.stdout.write(renderRun(outcome.run, outcome.summary));
              return outcome.summary.gate.passed ? EXIT.ok : EXIT.failed;
            } catch (err) {
              if (abort.signal.aborted) {
                process.stderr.write(`\ninterrupted: the results so far are kept; continue with --resume\n`);
                return 130;
              }
              throw err;
            } finally {
              process.off('SIGINT', stop);
            }
          },
          remote: async (url) => {
            throw new InputError(`a server at ${url} holds the store; stop it to run tests on this store, or point --data at another one`, [{ path: '--data', message: 'store in use' }]);
          },
        });
      }),
    );
}

/** Written beside the target and renamed over it, so a reader never sees half a report. */
async function writeWhole(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}

function whole(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${flag} must be a whole number ≥ 1, got "${value}"`, [{ path: flag, message: 'expected a whole number ≥ 1' }]);
  return n;
}

/** One line on stderr, rewritten in place on a terminal: cases done, pass rate so far, ETA, cost. */
function progressLine(): (p: RunProgress) => void {
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  return (p) => {
    const now = performance.now();
    if (!tty && now - lastPrint < 2000 && p.done < p.total) return;
    lastPrint = now;
    const eta = p.done > 0 ? ((p.elapsedMs / p.done) * (p.total - p.done)) / 1000 : 0;
    const line = `test: ${p.done}/${p.total} cases, ${((p.passed / p.done) * 100).toFixed(1)}% passed so far, ETA ${eta.toFixed(0)} s, cost $${p.costUsd.toFixed(4)}`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };
}
