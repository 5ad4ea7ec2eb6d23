/**
 * Ingestion: an agent's knowledge sources (or explicit paths, or uploads) into the knowledge store.
 * Incremental: a document whose file, chunking and embedding model are unchanged is skipped by its
 * fingerprint, a changed one is replaced whole in its own transaction, and one whose file is gone
 * is deleted. A file that cannot be ingested is reported by name with the reason and the rest goes on.
 */
import path from 'node:path';
import type { LoadedAgent } from '../agent/load.ts';
import type { KnowledgeSource } from '../agent/schema.ts';
import { InputError } from '../core/errors.ts';
import type { Db } from '../store/db.ts';
import type { Embedder } from './contracts.ts';
import { documentKey, scanFiles } from './ingest-files.ts';
import { emptyProgress, runIngest, type SourcePlan } from './ingest-run.ts';
import type { DocumentOrigin } from './inventory.ts';

export interface IngestProgress {
  phase: 'scanning' | 'ingesting' | 'removing' | 'optimizing' | 'done';
  filesDone: number;
  filesTotal: number;
  /** Documents stored (added or changed) so far. */
  documents: number;
  chunks: number;
  /** Unchanged documents skipped so far. */
  skipped: number;
  failed: number;
  /** Bytes of the files gone through so far. */
  bytes: number;
  elapsedMs: number;
  /** The file being worked on. */
  current: string | null;
}

export interface DocumentCounts {
  added: number;
  changed: number;
  unchanged: number;
  removed: number;
}

/** A file by its name (relative to the agent folder, or the uploaded name) and what went wrong. */
export interface FileProblem {
  file: string;
  reason: string;
}

export interface SourceSummary {
  name: string;
  documents: DocumentCounts;
  /** Chunks written by this run. */
  chunks: number;
  bytes: number;
  failed: FileProblem[];
  /** Files inside folders left alone because of their type. */
  ignored: FileProblem[];
  /** What the source holds after the run. */
  stored: { documents: number; chunks: number };
}

export interface IngestSummary {
  agent: string;
  sources: SourceSummary[];
  documents: DocumentCounts;
  chunks: number;
  failed: FileProblem[];
  ignored: FileProblem[];
  bytes: number;
  seconds: number;
  embedding: { model: string; tokens: number; costUsd: number } | null;
}

export interface IngestOptions {
  /** Embeds every stored chunk when given. */
  embedder?: Embedder;
  onProgress?: (progress: IngestProgress) => void;
  /** Stops between documents (and between embedding requests); a stored document is never half written. */
  signal?: AbortSignal;
  /** Largest file ingested, in bytes; default 50 MB. */
  maxBytes?: number;
  /** Largest text of one document, in characters; default 16 million. */
  maxChars?: number;
}

export interface IngestPathsOptions extends IngestOptions {
  /**
   * Document keys are the paths relative to this folder, and the documents count as added from
   * outside the source (uploads). Without it, a path inside the source's declared path is keyed as
   * a sync would key it, and any other path relative to its own parent folder.
   */
  baseDir?: string;
}

/** The agent's declared source of that name, or its only one when no name is given. */
export function declaredSource(agent: LoadedAgent, name: string | undefined, field = 'source'): KnowledgeSource {
  const sources = agent.definition.knowledge;
  const names = sources.map((s) => s.name).join(', ');
  if (name === undefined) {
    if (sources.length === 1) return sources[0];
    if (sources.length === 0) throw new InputError(`agent ${agent.definition.name} declares no knowledge sources (add one under knowledge: in ${agent.file})`, [{ path: field, message: 'no knowledge sources declared' }]);
    throw new InputError(`agent ${agent.definition.name} has ${sources.length} knowledge sources; name one with ${field}: ${names}`, [{ path: field, message: `required: one of ${names}` }]);
  }
  const found = sources.find((s) => s.name === name);
  if (!found) {
    const declared = names ? `declared: ${names}` : 'it declares none';
    throw new InputError(`agent ${agent.definition.name} has no knowledge source "${name}"; ${declared}`, [{ path: field, message: `unknown source "${name}"; ${declared}` }]);
  }
  return found;
}

/** Brings every declared source of the agent in line with its path: new and changed files stored, vanished ones deleted. */
export async function syncAgentKnowledge(db: Db, projectId: string, agent: LoadedAgent, opts: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  opts.onProgress?.({ ...emptyProgress(), phase: 'scanning' });
  const plans: SourcePlan[] = [];
  for (const source of agent.definition.knowledge) {
    const root = path.resolve(agent.dir, source.path);
    const scan = await scanFiles(root, root);
    const shown = (abs: string) => shownPath(agent.dir, abs);
    plans.push({
      source,
      files: scan.files.map((f) => ({ ...f, origin: 'source', shown: shown(f.abs) })),
      ignored: scan.ignored.map((s) => ({ file: shown(s.abs), reason: s.reason })),
      failed: scan.failed.map((s) => ({ file: shown(s.abs), reason: s.reason })),
      prune: [{ prefix: '', origin: 'source' }],
      protect: scan.failed.map((s) => documentKey(root, s.abs)),
      agentDir: agent.dir,
    });
  }
  return runIngest(db, projectId, agent.definition.name, plans, opts, started);
}

/**
 * Ingests files and folders into one declared source. Documents under a given folder that are no
 * longer there are deleted; nothing else is.
 */
export async function ingestPaths(db: Db, projectId: string, agent: LoadedAgent, sourceName: string, paths: string[], opts: IngestPathsOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const source = declaredSource(agent, sourceName);
  opts.onProgress?.({ ...emptyProgress(), phase: 'scanning' });
  const upload = opts.baseDir !== undefined;
  const shown = (abs: string, key: string) => (upload ? key : shownPath(agent.dir, abs));
  const plan: SourcePlan = { source, files: [], ignored: [], failed: [], prune: [], protect: [], agentDir: upload ? undefined : agent.dir };
  for (const target of paths.map((p) => path.resolve(p))) {
    const { base, origin } = upload ? { base: path.resolve(opts.baseDir!), origin: 'added' as const } : keyBase(agent, source, target);
    const scan = await scanFiles(target, base);
    plan.files.push(...scan.files.map((f) => ({ ...f, origin, shown: shown(f.abs, f.key) })));
    plan.ignored.push(...scan.ignored.map((s) => ({ file: shown(s.abs, documentKey(base, s.abs)), reason: s.reason })));
    plan.failed.push(...scan.failed.map((s) => ({ file: shown(s.abs, documentKey(base, s.abs)), reason: s.reason })));
    plan.protect.push(...scan.failed.map((s) => documentKey(base, s.abs)));
    if (scan.failed.some((s) => s.abs === target)) continue;
    const key = documentKey(base, target);
    if (!scan.files.some((f) => f.abs === target)) plan.prune.push({ prefix: key ? `${key}/` : '', origin });
  }
  return runIngest(db, projectId, agent.definition.name, [plan], opts, started);
}

/**
 * What the keys of the documents at `target` are relative to: the source's declared path when the
 * target lies in it (so they match what a sync stores), else the target's parent folder.
 */
export function keyBase(agent: LoadedAgent, source: KnowledgeSource, target: string): { base: string; origin: DocumentOrigin } {
  const root = path.resolve(agent.dir, source.path);
  const abs = path.resolve(target);
  return abs === root || isInside(root, abs) ? { base: root, origin: 'source' } : { base: path.dirname(abs), origin: 'added' };
}

function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** A path as people see it in a report: relative to the agent folder when it lies inside. */
function shownPath(agentDir: string, abs: string): string {
  return isInside(agentDir, abs) ? documentKey(agentDir, abs) : abs;
}
