import type { Db } from '../store/db.ts';
import { InputError, NotFoundError } from '../core/errors.ts';
import { loadAgentsDir, resolveAgentRef, type LoadedAgent } from './load.ts';
import { prepareAgent, type PreparedAgent } from './runtime/prepared-agent.ts';

/**
 * The agents a process serves, by name, each at the version loaded from disk. Every version it
 * serves is recorded in the store, so sessions and traces can always name the exact definition.
 */
export class AgentRegistry {
  private readonly byName = new Map<string, PreparedAgent>();
  private readonly db: Db;
  private readonly projectId: string;

  constructor(db: Db, projectId: string) {
    this.db = db;
    this.projectId = projectId;
  }

  async add(loaded: LoadedAgent): Promise<PreparedAgent> {
    const prepared = prepareAgent(loaded);
    await this.db.query(
      `INSERT INTO agent_versions (project_id, agent_name, version, definition, source_path)
       VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT DO NOTHING`,
      [this.projectId, loaded.definition.name, loaded.version, JSON.stringify(loaded.definition), loaded.file],
    );
    this.byName.set(loaded.definition.name, prepared);
    return prepared;
  }

  /** Loads every agent under dir; a directory whose agents all fail to load is an error. */
  async addDir(dir: string): Promise<{ loaded: PreparedAgent[]; errors: InputError[] }> {
    const { agents, errors } = await loadAgentsDir(dir);
    const loaded: PreparedAgent[] = [];
    for (const agent of agents) {
      try {
        loaded.push(await this.add(agent));
      } catch (err) {
        // One agent whose model cannot be set up (say, a missing API key) must not keep the others from serving.
        if (!(err instanceof InputError)) throw err;
        errors.push(new InputError(`${agent.file}: ${err.message}`, err.issues.map((i) => ({ ...i, file: i.file ?? agent.file }))));
      }
    }
    return { loaded, errors };
  }

  /** A path to an agent file or folder, or a name under agentsDir. */
  async addRef(ref: string, agentsDir?: string): Promise<PreparedAgent> {
    return this.add(await resolveAgentRef(ref, agentsDir));
  }

  get(name: string): PreparedAgent {
    const agent = this.byName.get(name);
    if (!agent) throw new NotFoundError('agent', name);
    return agent;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The longest history any served agent keeps, so one query can load a session and its history. */
  maxHistoryTurns(): number {
    let most = 0;
    for (const a of this.byName.values()) most = Math.max(most, a.definition.limits.historyTurns);
    return most;
  }

  list(): PreparedAgent[] {
    return [...this.byName.values()];
  }
}
