import type { Command } from 'commander';
import { DEFAULT_PROJECT_ID } from '../../store/db.ts';
import { renderTraceTree } from '../../trace/render.ts';
import { getTrace, traceWithSpansFromJson } from '../../trace/store.ts';
import { action, printJson } from '../run.ts';
import { serverRequest, withStoreOrServer } from '../store-access.ts';

export function register(program: Command): void {
  program
    .command('trace')
    .description('Show one trace as a tree of spans with timings, tokens and cost.')
    .argument('<id>', 'trace id (trc_…)')
    .option('--json', 'print JSON for scripts')
    .option('--data <dir>', 'embedded store directory (default: $AGENTPROOF_DATA or ./.agentproof)')
    .action(action(async (id: string, flags: { json?: boolean; data?: string }) => {
      const trace = await withStoreOrServer({ data: flags.data, command: 'agentproof trace' }, {
        local: (db) => getTrace(db, DEFAULT_PROJECT_ID, id),
        remote: async (baseUrl) =>
          traceWithSpansFromJson(await serverRequest<Record<string, any>>(baseUrl, `/v1/traces/${encodeURIComponent(id)}`)),
      });
      if (flags.json) {
        printJson(trace);
      } else {
        const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
        process.stdout.write(renderTraceTree(trace, { color }));
      }
    }));
}
