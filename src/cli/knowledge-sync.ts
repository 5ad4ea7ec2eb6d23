import type { PreparedAgent } from '../agent/runtime/prepared-agent.ts';
import { syncAgentKnowledge } from '../knowledge/ingest.ts';
import { DEFAULT_PROJECT_ID, type Db } from '../store/db.ts';

/** Brings the agent's knowledge in line with its files before it answers; incremental, so cheap when nothing changed. */
export async function syncQuietly(db: Db, agent: PreparedAgent): Promise<void> {
  if (!agent.definition.knowledge.length) return;
  const summary = await syncAgentKnowledge(db, DEFAULT_PROJECT_ID, agent, { embedder: agent.embedder ?? undefined });
  if (summary.failed.length) {
    const n = summary.failed.length;
    process.stderr.write(`warning: ${n} knowledge file${n === 1 ? '' : 's'} could not be ingested (see: agentproof ingest ${agent.file})\n`);
  }
}
