/**
 * The loop of an ingest: for each source, every planned file through ingestDocument (a failure is
 * recorded and the loop goes on), then the documents whose files are gone deleted, then the indexes
 * tidied once if anything changed.
 */
import type { KnowledgeSource } from '../agent/schema.ts';
import { errorMessage } from '../core/errors.ts';
import type { Db } from '../store/db.ts';
import { resolveChunking } from './chunk.ts';
import type { DocumentCounts, FileProblem, IngestOptions, IngestProgress, IngestSummary, SourceSummary } from './ingest.ts';
import { DEFAULT_MAX_DOCUMENT_CHARS, ingestDocument } from './ingest-document.ts';
import type { FoundFile } from './ingest-files.ts';
import { sourceStats, storedDocuments, type DocumentOrigin } from './inventory.ts';
import { IngestFileError } from './parse/errors.ts';
import { DEFAULT_MAX_BYTES } from './parse/index.ts';
import { deleteMissing, ensureSource, optimizeForSearch } from './store.ts';

export interface PlannedFile extends FoundFile {
  origin: DocumentOrigin;
  shown: string;
}

export interface SourcePlan {
  source: KnowledgeSource;
  files: PlannedFile[];
  ignored: FileProblem[];
  failed: FileProblem[];
  /** Documents under a prefix ('' = all) of this origin that were not found are deleted... */
  prune: { prefix: string; origin: DocumentOrigin }[];
  /** ...except under these (a folder that could not be read, or a broken link): absent is not gone. */
  protect: string[];
  agentDir?: string;
}

export function emptyProgress(): IngestProgress {
  return { phase: 'scanning', filesDone: 0, filesTotal: 0, documents: 0, chunks: 0, skipped: 0, failed: 0, bytes: 0, elapsedMs: 0, current: null };
}

function reasonOf(err: unknown): string {
  // The parser's message repeats the file name; the report already names it.
  if (err instanceof IngestFileError) return err.issues[0]?.message ?? err.message;
  return errorMessage(err);
}

/**
 * The embedded store keeps its write-ahead log in memory until a checkpoint; a checkpoint after
 * this many bytes of stored files keeps a large ingest from growing it without bound.
 */
const CHECKPOINT_BYTES = 64 * 1024 * 1024;

export async function runIngest(db: Db, projectId: string, agentName: string, plans: SourcePlan[], opts: IngestOptions, started: number): Promise<IngestSummary> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxChars = opts.maxChars ?? DEFAULT_MAX_DOCUMENT_CHARS;
  const progress = { ...emptyProgress(), filesTotal: plans.reduce((n, p) => n + p.files.length, 0) };
  // Chunks of the document being stored, shown while a large file is worked through; they count for
  // good only once its transaction commits.
  let inFlight = 0;
  const report = (phase: IngestProgress['phase'], current: string | null = null) => {
    if (!opts.onProgress) return;
    opts.onProgress({ ...progress, chunks: progress.chunks + inFlight, phase, current, elapsedMs: performance.now() - started });
  };
  const sources: SourceSummary[] = [];
  let embedding: IngestSummary['embedding'] = null;
  let modified = false;
  let sinceCheckpoint = 0;

  for (const plan of plans) {
    const chunking = resolveChunking(plan.source.chunking);
    const sourceId = await ensureSource(db, { projectId, agentName, name: plan.source.name });
    const stored = await storedDocuments(db, sourceId);
    const summary: SourceSummary = {
      name: plan.source.name,
      documents: { added: 0, changed: 0, unchanged: 0, removed: 0 },
      chunks: 0,
      bytes: 0,
      failed: [...plan.failed],
      ignored: [...plan.ignored],
      stored: { documents: 0, chunks: 0 },
    };
    progress.failed += plan.failed.length;
    const seen = new Map<string, string>();
    for (const file of plan.files) {
      opts.signal?.throwIfAborted();
      report('ingesting', file.shown);
      const clash = seen.get(file.key);
      if (clash !== undefined) {
        summary.failed.push({ file: file.shown, reason: `same document path "${file.key}" as ${clash}` });
        progress.failed++;
      } else {
        seen.set(file.key, file.shown);
        try {
          const outcome = await ingestDocument(db, file, stored.get(file.key), {
            projectId,
            sourceId,
            chunking,
            baseUrl: plan.source.baseUrl,
            origin: file.origin,
            agentDir: plan.agentDir,
            embedder: opts.embedder,
            maxBytes,
            maxChars,
            signal: opts.signal,
            onBatch: (chunks) => {
              inFlight = chunks;
              report('ingesting', file.shown);
            },
          });
          summary.documents[outcome.status]++;
          if (outcome.status === 'unchanged') {
            progress.skipped++;
          } else {
            modified = true;
            summary.chunks += outcome.chunks;
            progress.documents++;
            progress.chunks += outcome.chunks;
            inFlight = 0;
            sinceCheckpoint += file.size;
            if (outcome.embedding && opts.embedder) {
              embedding ??= { model: opts.embedder.ref, tokens: 0, costUsd: 0 };
              embedding.tokens += outcome.embedding.tokens;
              embedding.costUsd += outcome.embedding.costUsd;
            }
          }
        } catch (err) {
          inFlight = 0;
          if (opts.signal?.aborted) throw err;
          summary.failed.push({ file: file.shown, reason: reasonOf(err) });
          progress.failed++;
        }
      }
      summary.bytes += file.size;
      progress.bytes += file.size;
      progress.filesDone++;
      if (db.kind === 'pglite' && sinceCheckpoint >= CHECKPOINT_BYTES) {
        await db.query('CHECKPOINT');
        sinceCheckpoint = 0;
      }
    }

    report('removing');
    const protectedKey = (key: string) => plan.protect.some((p) => p === '' || key === p || key.startsWith(`${p}/`));
    const gone = [...stored].filter(([key, doc]) =>
      !seen.has(key) && !protectedKey(key) && plan.prune.some((rule) => rule.origin === doc.origin && key.startsWith(rule.prefix)),
    );
    if (gone.length) {
      const goneKeys = new Set(gone.map(([key]) => key));
      const keep = new Set([...stored.keys(), ...seen.keys()].filter((key) => !goneKeys.has(key)));
      summary.documents.removed = (await deleteMissing(db, sourceId, keep)).length;
      modified = true;
    }
    sources.push(summary);
  }

  if (modified) {
    report('optimizing');
    await optimizeForSearch(db);
  }
  const stats = await sourceStats(db, projectId, agentName, sources.map((s) => s.name));
  for (const s of sources) {
    const st = stats.get(s.name);
    s.stored = { documents: st?.documents ?? 0, chunks: st?.chunks ?? 0 };
  }
  report('done');
  const total = (k: keyof DocumentCounts) => sources.reduce((n, s) => n + s.documents[k], 0);
  return {
    agent: agentName,
    sources,
    documents: { added: total('added'), changed: total('changed'), unchanged: total('unchanged'), removed: total('removed') },
    chunks: sources.reduce((n, s) => n + s.chunks, 0),
    failed: sources.flatMap((s) => s.failed),
    ignored: sources.flatMap((s) => s.ignored),
    bytes: sources.reduce((n, s) => n + s.bytes, 0),
    seconds: (performance.now() - started) / 1000,
    embedding,
  };
}
