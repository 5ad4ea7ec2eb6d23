import type { Command } from 'commander';
import { ChatService } from '../../agent/chat-service.ts';
import { AgentRegistry } from '../../agent/registry.ts';
import { formatIssue, InputError } from '../../core/errors.ts';
import { syncAgentKnowledge } from '../../knowledge/ingest.ts';
import { createApp } from '../../server/app.ts';
import { isLoopback, listen } from '../../server/listen.ts';
import { DEFAULT_PROJECT_ID } from '../../store/db.ts';
import { openStore, storeOptionsFromCli } from '../../store/open.ts';
import { summaryLine } from '../ingest-report.ts';
import { action } from '../run.ts';

export const DEFAULT_PORT = 4310;

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve the agents under a folder over HTTP: the /v1 JSON API and an OpenAI-compatible /v1/chat/completions.')
    .option('--agents <dir>', 'folder of agents (each */agent.yaml)', process.env.AGENTPROOF_AGENTS ?? 'agents')
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(process.env.PORT ?? DEFAULT_PORT))
    .option('--host <host>', 'address to bind; anything but loopback requires AGENTPROOF_API_KEY', '127.0.0.1')
    .option('--data <dir>', 'embedded store directory (default .agentproof; DATABASE_URL selects PostgreSQL)')
    .option('--no-ingest', "start without syncing the agents' declared knowledge first")
    .action(
      action(async (opts: { agents: string; port: string; host: string; data?: string; ingest: boolean }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError(`--port must be an integer 0-65535, got "${opts.port}"`, [{ path: '--port', message: 'not a port number' }]);
        const apiKey = process.env.AGENTPROOF_API_KEY || undefined;
        if (!isLoopback(opts.host) && !apiKey) {
          throw new InputError(`binding ${opts.host} exposes the API beyond this machine: set AGENTPROOF_API_KEY (then required as a bearer token) or bind 127.0.0.1`, [{ path: '--host', message: 'needs AGENTPROOF_API_KEY' }]);
        }
        const store = storeOptionsFromCli(opts);
        const db = await openStore({ ...store, command: 'agentproof serve' });
        try {
          const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
          const { loaded, errors } = await agents.addDir(opts.agents);
          for (const err of errors) {
            process.stderr.write(`warning: ${err.message}\n`);
            for (const issue of err.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
          }
          if (loaded.length === 0) throw new InputError(`no agent could be loaded from ${opts.agents}`, [{ path: '--agents', message: 'expected folders containing agent.yaml' }]);
          if (opts.ingest) {
            // Incremental: only new and changed files cost anything, so every start is in step with the files.
            for (const agent of loaded.filter((a) => a.definition.knowledge.length > 0)) {
              const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { embedder: agent.embedder ?? undefined });
              process.stderr.write(`${summaryLine(summary)}\n`);
              for (const f of summary.failed) process.stderr.write(`  ${f.file}: ${f.reason}\n`);
            }
          }
          const chat = new ChatService(db, agents, DEFAULT_PROJECT_ID);
          const server = await listen(createApp({ chat, apiKey }), opts.host, port);
          if (db.kind === 'pglite') await db.lock?.setOwnerUrl(server.url);
          process.stdout.write(`Agentproof listening on ${server.url}  (store: ${db.kind === 'pglite' ? store.dataDir : 'PostgreSQL'})\n`);
          for (const a of loaded) {
            process.stdout.write(`  agent ${a.definition.name}@${a.version}: ${a.definition.topics.length} topics, ${a.definition.actions.length} actions (router trained in ${a.routerTrainMs.toFixed(0)} ms)\n`);
          }
          process.stdout.write(`  try: curl -s ${server.url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"${loaded[0].definition.name}","messages":[{"role":"user","content":"Hello"}]}'\n`);
          await new Promise<void>((resolve) => {
            const stop = () => resolve();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
          process.stdout.write('shutting down\n');
          await server.close();
        } finally {
          await db.close();
        }
      }),
    );
}
