import type { Command } from 'commander';
import { ChatService } from '../../agent/chat-service.ts';
import { AgentRegistry } from '../../agent/registry.ts';
import type { ApprovalView } from '../../agent/runtime/types.ts';
import { DEFAULT_PROJECT_ID } from '../../store/db.ts';
import { localClient, remoteClient, type ChatClient } from '../chat-client.ts';
import { action, EXIT, printJson } from '../run.ts';
import { withStoreOrServer } from '../store-access.ts';

interface Opts {
  agents: string;
  data?: string;
  json?: boolean;
}

/**
 * Runs fn against the store or the server that holds it. A decision continues its turn, so locally
 * it needs the agents loaded; a listing does not.
 */
function withClient(opts: Opts, needsAgents: boolean, fn: (client: ChatClient) => Promise<number>): Promise<number> {
  return withStoreOrServer({ ...opts, command: 'agentproof approvals' }, {
    local: async (db) => {
      const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
      if (needsAgents) await agents.addDir(opts.agents);
      return fn(localClient(new ChatService(db, agents, DEFAULT_PROJECT_ID)));
    },
    remote: async (url) => fn(remoteClient(url)),
  });
}

export function register(program: Command): void {
  const approvals = program
    .command('approvals')
    .enablePositionalOptions()
    .description('List actions waiting for a person, and approve or deny them.')
    .option('--status <status>', 'pending, approved or denied', 'pending')
    .option('--agents <dir>', 'folder of agents', process.env.AGENTPROOF_AGENTS ?? 'agents')
    .option('--data <dir>', 'embedded store directory (default .agentproof; DATABASE_URL selects PostgreSQL)')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: Opts & { status: 'pending' | 'approved' | 'denied' }) =>
        withClient(opts, false, async (client) => {
          const list = await client.listApprovals(opts.status);
          if (opts.json) printJson({ approvals: list });
          else if (list.length === 0) process.stdout.write(`no ${opts.status} approvals\n`);
          else for (const a of list) process.stdout.write(line(a));
          return EXIT.ok;
        }),
      ),
    );

  for (const verb of ['approve', 'deny'] as const) {
    approvals
      .command(verb)
      .description(verb === 'approve' ? 'Approve an action; its turn continues and the answer is printed.' : 'Deny an action; the agent answers without running it.')
      .argument('<id>', 'approval id (apr_...)')
      .option('--reason <text>', 'why, recorded on the trace')
      .option('--agents <dir>', 'folder of agents', process.env.AGENTPROOF_AGENTS ?? 'agents')
      .option('--data <dir>', 'embedded store directory')
      .option('--json', 'print JSON')
      .action(
        action(async (id: string, opts: Opts & { reason?: string }) =>
          withClient(opts, true, async (client) => {
            const { approval, turn } = await client.decide(id, verb === 'approve', opts.reason);
            if (opts.json) printJson({ approval, turn });
            else {
              process.stdout.write(line(approval));
              if (turn?.reply) process.stdout.write(`agent> ${turn.reply}\n  · ${turn.status} · trace ${turn.traceId}\n`);
              else if (!turn) process.stdout.write('  other approvals of this turn are still pending\n');
            }
            return turn?.status === 'failed' ? EXIT.failed : EXIT.ok;
          }),
        ),
      );
  }
}

function line(a: ApprovalView): string {
  return `${a.id}  ${a.status.padEnd(8)} ${a.action} ${JSON.stringify(a.arguments)}  session ${a.sessionId}  ${a.createdAt}${a.reason ? `  reason: ${a.reason}` : ''}\n`;
}
