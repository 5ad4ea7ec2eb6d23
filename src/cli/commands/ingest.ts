import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveAgentRef, type LoadedAgent } from '../../agent/load.ts';
import { InputError } from '../../core/errors.ts';
import { scanFiles } from '../../knowledge/ingest-files.ts';
import { declaredSource, ingestPaths, keyBase, syncAgentKnowledge, type FileProblem, type IngestSummary } from '../../knowledge/ingest.ts';
import { resolveEmbedder } from '../../models/embed.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../../store/db.ts';
import { progressView, renderSummary } from '../ingest-report.ts';
import { action, EXIT, printJson } from '../run.ts';
import { serverRequest, withStoreOrServer } from '../store-access.ts';

interface IngestFlags {
  source?: string;
  json?: boolean;
  agents: string;
  data?: string;
}

/** Exit code of a run stopped with Ctrl-C, as shells report a SIGINT. */
const EXIT_CANCELLED = 130;

export function register(program: Command): void {
  program
    .command('ingest')
    .description("Ingest an agent's knowledge: every declared source from its path, or the given files and folders into one source. Unchanged files are skipped, changed ones replaced, vanished ones deleted.")
    .argument('<agent>', 'agent file, agent folder, or the name of an agent under --agents')
    .argument('[paths...]', 'files or folders to ingest into --source (default: sync every declared source)')
    .option('--source <name>', 'the knowledge source to ingest into (required with PATHs when the agent declares several)')
    .option('--json', 'print the summary as JSON')
    .option('--agents <dir>', 'folder of agents, for AGENT given by name', process.env.AGENTPROOF_AGENTS ?? 'agents')
    .option('--data <dir>', 'embedded store directory (default .agentproof; DATABASE_URL selects PostgreSQL)')
    .addHelpText('after', '\nExit status: 0 all ingested, 1 some files failed (the rest was ingested), 2 bad arguments.\nWhen a running `agentproof serve` holds the store, the work is sent to it over HTTP.')
    .action(
      action(async (ref: string, paths: string[], flags: IngestFlags) => {
        const agent = await resolveAgentRef(ref, flags.agents);
        const sourceName = paths.length || flags.source !== undefined ? declaredSource(agent, flags.source, '--source').name : undefined;
        if (!paths.length && !agent.definition.knowledge.length) {
          throw new InputError(`agent ${agent.definition.name} declares no knowledge sources: add them under knowledge: in ${agent.file}, or pass PATHs`, [{ path: 'knowledge', message: 'no sources declared' }]);
        }
        for (const p of paths) {
          if (!(await stat(p).catch(() => null))) throw new InputError(`no such file or folder: ${p}`, [{ file: path.resolve(p), message: 'not found' }]);
        }
        const summary = await withStoreOrServer({ ...flags, command: 'agentproof ingest' }, {
          local: (db) => ingestLocally(db, agent, sourceName, paths, !flags.json),
          remote: (url) => {
            if (!flags.json) process.stderr.write(`(the store is held by a running server; ingesting through it at ${url})\n`);
            return ingestRemotely(url, agent, sourceName, paths);
          },
        });
        if (summary === null) return EXIT_CANCELLED;
        if (flags.json) printJson(summary);
        else process.stdout.write(renderSummary(summary));
        return summary.failed.length ? EXIT.failed : EXIT.ok;
      }),
    );
}

/** Null when cancelled with Ctrl-C; every document stored until then stays, so a rerun resumes. */
async function ingestLocally(db: Db, agent: LoadedAgent, sourceName: string | undefined, paths: string[], showProgress: boolean): Promise<IngestSummary | null> {
  const view = showProgress || process.stderr.isTTY ? progressView() : undefined;
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  try {
    const embed = agent.definition.models.embed;
    const opts = { embedder: embed ? resolveEmbedder(embed) : undefined, onProgress: view?.update, signal: controller.signal };
    if (sourceName === undefined) return await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, opts);
    const targets = paths.length ? paths : [path.resolve(agent.dir, declaredSource(agent, sourceName).path)];
    return await ingestPaths(db, DEFAULT_PROJECT_ID, agent, sourceName, targets, opts);
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    view?.stop();
    process.stderr.write('ingest cancelled: the documents stored so far are kept; run the same command again to finish\n');
    return null;
  } finally {
    view?.stop();
    process.off('SIGINT', cancel);
  }
}

/**
 * Through the server that holds the store: a sync runs there from the agent's declared paths; given
 * PATHs are read here and uploaded under the keys a local ingest would give them.
 */
async function ingestRemotely(url: string, agent: LoadedAgent, sourceName: string | undefined, paths: string[]): Promise<IngestSummary> {
  const base = `/v1/agents/${encodeURIComponent(agent.definition.name)}/knowledge`;
  if (!paths.length) return serverRequest<IngestSummary>(url, `${base}/sync`, { method: 'POST', body: sourceName === undefined ? {} : { source: sourceName } });

  const source = declaredSource(agent, sourceName);
  const form = new FormData();
  form.append('source', source.name);
  const ignored: FileProblem[] = [];
  const failed: FileProblem[] = [];
  let files = 0;
  for (const target of paths) {
    const scan = await scanFiles(target, keyBase(agent, source, target).base);
    for (const f of scan.files) {
      form.append('files', await openAsBlob(f.abs), f.key);
      files++;
    }
    ignored.push(...scan.ignored.map((s) => ({ file: s.abs, reason: s.reason })));
    failed.push(...scan.failed.map((s) => ({ file: s.abs, reason: s.reason })));
  }
  if (!files) throw new InputError(`no files to ingest in ${paths.join(', ')}`, [{ path: 'paths', message: 'no supported files found' }]);
  const summary = await serverRequest<IngestSummary>(url, `${base}/documents`, { method: 'POST', body: form });
  return { ...summary, failed: [...failed, ...summary.failed], ignored: [...ignored, ...summary.ignored] };
}
