import type { Command } from 'commander';
import { InputError } from '../../core/errors.ts';
import { DEFAULT_PROJECT_ID } from '../../store/db.ts';
import { formatCost, formatDuration, oneLine } from '../../trace/render.ts';
import { listTraces, traceFromJson, type ListTracesOptions } from '../../trace/store.ts';
import type { Trace, TraceStatus } from '../../trace/types.ts';
import { action, printJson } from '../run.ts';
import { serverRequest, withStoreOrServer } from '../store-access.ts';

const STATUSES: TraceStatus[] = ['completed', 'awaiting_approval', 'failed', 'denied'];

interface TracesFlags {
  limit: string;
  agent?: string;
  session?: string;
  status?: string;
  json?: boolean;
  data?: string;
}

export function register(program: Command): void {
  program
    .command('traces')
    .description('List the latest traces, newest first.')
    .option('--limit <n>', 'how many traces to show (1-1000)', '20')
    .option('--agent <name>', 'only traces of this agent')
    .option('--session <id>', 'only traces of this session')
    .option('--status <status>', `only traces with this status (${STATUSES.join(', ')})`)
    .option('--json', 'print JSON for scripts')
    .option('--data <dir>', 'embedded store directory (default: $AGENTPROOF_DATA or ./.agentproof)')
    .action(action(async (flags: TracesFlags) => {
      const filter = parseFilter(flags);
      const traces = await withStoreOrServer({ data: flags.data, command: 'agentproof traces' }, {
        local: (db) => listTraces(db, DEFAULT_PROJECT_ID, filter),
        remote: async (baseUrl) => {
          const query = new URLSearchParams({ limit: String(filter.limit) });
          if (filter.agentName) query.set('agent', filter.agentName);
          if (filter.sessionId) query.set('session', filter.sessionId);
          if (filter.status) query.set('status', filter.status);
          const body = await serverRequest<{ traces: Record<string, any>[] }>(baseUrl, `/v1/traces?${query}`);
          return body.traces.map(traceFromJson);
        },
      });
      if (flags.json) {
        printJson({ traces });
      } else {
        process.stdout.write(traces.length === 0 ? 'no traces yet\n' : renderTable(traces));
      }
    }));
}

function parseFilter(flags: TracesFlags): ListTracesOptions & { limit: number } {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InputError(`--limit must be a whole number from 1 to 1000, got ${flags.limit}`, [{ path: '--limit', message: 'expected 1-1000' }]);
  }
  if (flags.status !== undefined && !STATUSES.includes(flags.status as TraceStatus)) {
    throw new InputError(`--status must be one of ${STATUSES.join(', ')}, got ${flags.status}`, [{ path: '--status', message: 'unknown status' }]);
  }
  return { limit, agentName: flags.agent, sessionId: flags.session, status: flags.status as TraceStatus | undefined };
}

function renderTable(traces: Trace[]): string {
  const header = ['ID', 'TIME', 'AGENT', 'STATUS', 'TOPIC', 'DURATION', 'TOKENS', 'COST', 'INPUT'];
  const rows = traces.map((t) => [
    t.id,
    localTime(t.startedAt),
    t.agentName,
    t.status,
    t.topic ?? '-',
    formatDuration(t.durationMs),
    String(t.inputTokens + t.outputTokens),
    formatCost(t.costUsd),
    oneLine(t.input, 48),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function localTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
