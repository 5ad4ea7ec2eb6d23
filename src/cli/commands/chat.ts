import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ChatService } from '../../agent/chat-service.ts';
import { agentNameOf } from '../../agent/load.ts';
import { AgentRegistry } from '../../agent/registry.ts';
import type { TurnResult } from '../../agent/runtime/types.ts';
import { DEFAULT_PROJECT_ID } from '../../store/db.ts';
import { localClient, remoteClient, type ChatClient } from '../chat-client.ts';
import { action, EXIT, printJson } from '../run.ts';
import { withStoreOrServer } from '../store-access.ts';
import { syncQuietly } from '../knowledge-sync.ts';

interface ChatOptions {
  message?: string;
  json?: boolean;
  agents: string;
  data?: string;
}

export function register(program: Command): void {
  program
    .command('chat')
    .description('Chat with an agent: interactive, or one message with --message. Talks to a running `serve` when it holds the store.')
    .argument('<agent>', 'agent file, agent folder, or the name of an agent under --agents')
    .option('-m, --message <text>', 'send one message, print the answer and exit')
    .option('--json', 'print the turn result as JSON (with --message)')
    .option('--agents <dir>', 'folder of agents, for AGENT given by name', process.env.AGENTPROOF_AGENTS ?? 'agents')
    .option('--data <dir>', 'embedded store directory (default .agentproof; DATABASE_URL selects PostgreSQL)')
    .action(
      action(async (ref: string, opts: ChatOptions) => {
        return withStoreOrServer({ ...opts, command: 'agentproof chat' }, {
          local: async (db) => {
            const agents = new AgentRegistry(db, DEFAULT_PROJECT_ID);
            const agent = await agents.addRef(ref, opts.agents);
            await syncQuietly(db, agent);
            return converse(localClient(new ChatService(db, agents, DEFAULT_PROJECT_ID)), agent.definition.name, opts);
          },
          remote: async (url) => {
            const name = await agentNameOf(ref, opts.agents);
            if (!opts.json) process.stderr.write(`(the store is held by a running server; talking to it at ${url})\n`);
            return converse(remoteClient(url), name, opts);
          },
        });
      }),
    );
}

async function converse(client: ChatClient, agent: string, opts: ChatOptions): Promise<number> {
  const session = await client.createSession(agent);
  if (opts.message !== undefined) {
    const result = await client.send(session.id, opts.message);
    if (opts.json) printJson(result);
    else printTurn(result);
    if (result.status === 'awaiting_approval' && !opts.json) {
      for (const a of result.approvals) process.stdout.write(`  approve: agentproof approvals approve ${a.id}    deny: agentproof approvals deny ${a.id}\n`);
    }
    return result.status === 'failed' ? EXIT.failed : EXIT.ok;
  }

  const rl = lineReader();
  process.stdout.write(`Chatting with ${agent} (session ${session.id}). Type /exit to leave.\n`);
  try {
    for (;;) {
      const read = await rl.question('you> ');
      if (read === null) break; // input closed (Ctrl-D or end of piped input)
      const line = read.trim();
      if (!line) continue;
      if (line === '/exit' || line === '/quit') break;
      let result = await client.send(session.id, line);
      printTurn(result);
      while (result.status === 'awaiting_approval') {
        const pending = result.approvals.filter((a) => a.status === 'pending');
        if (pending.length === 0) break;
        let next: TurnResult | null = null;
        for (const a of pending) {
          const answer = ((await rl.question(`approve ${a.action} ${JSON.stringify(a.arguments)}? [y/N] `)) ?? '').trim().toLowerCase();
          const approved = answer === 'y' || answer === 'yes';
          const reason = approved ? undefined : ((await rl.question('reason (optional): ')) ?? '').trim() || undefined;
          next = (await client.decide(a.id, approved, reason)).turn ?? next;
        }
        if (!next) break;
        result = next;
        printTurn(result);
      }
    }
  } finally {
    rl.close();
  }
  return EXIT.ok;
}

/**
 * Lines from standard input, one per question. Lines that arrive before a question is asked (piped
 * input) are queued rather than lost, and end of input answers null.
 */
function lineReader(): { question(prompt: string): Promise<string | null>; close(): void } {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  const queued: string[] = [];
  let waiting: ((line: string | null) => void) | null = null;
  let closed = false;
  rl.on('line', (line) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(line);
    } else queued.push(line);
  });
  rl.on('close', () => {
    closed = true;
    waiting?.(null);
    waiting = null;
  });
  return {
    question(prompt) {
      process.stdout.write(prompt);
      if (queued.length > 0) return Promise.resolve(queued.shift()!);
      if (closed) return Promise.resolve(null);
      return new Promise((resolve) => (waiting = resolve));
    },
    close: () => rl.close(),
  };
}

function printTurn(r: TurnResult): void {
  const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
  if (r.reply) process.stdout.write(`agent> ${r.reply}\n`);
  if (r.sources.length > 0) {
    // Knowledge citations: where to read more, and whether the chunk backs the sentence citing it.
    for (const s of r.sources) {
      const where = [s.title, s.section.split(' › ').at(-1)].filter((p, i, all) => p && p !== all[i - 1]).join(' › ');
      process.stdout.write(dim(`  [${s.n}] ${where} (${s.link ?? `${s.source}/${s.document}`})${s.supported ? '' : ' — not supported by this source'}\n`));
    }
  } else {
    for (const c of r.citations) process.stdout.write(dim(`  [${c.n}] ${c.source}: ${c.quote}\n`));
  }
  if (r.status === 'failed') process.stdout.write(`error: ${r.error}\n`);
  const topic = r.topic ? `${r.topic} ${r.confidence === null ? '' : `(${r.confidence.toFixed(2)})`}` : 'off-topic';
  process.stdout.write(dim(`  · ${r.status} · topic ${topic} · ${r.latencyMs.toFixed(1)} ms · trace ${r.traceId}\n`));
}
