/**
 * What the knowledge store holds, as ingestion and the API read it: each document's fingerprint and
 * where it came from, and per source how many documents and chunks it has and when it last changed.
 */
import type { Queryable } from '../store/db.ts';

/**
 * `source`: found under the source's declared path, so a sync owns it and deletes it when the file
 * goes. `added`: ingested from elsewhere (an upload, a path outside the declared one); a sync keeps it.
 */
export type DocumentOrigin = 'source' | 'added';

export interface StoredDocumentState {
  contentHash: string;
  origin: DocumentOrigin;
}

/** Path → fingerprint and origin of every document of the source. */
export async function storedDocuments(q: Queryable, sourceId: number): Promise<Map<string, StoredDocumentState>> {
  const rows = await q.query<{ path: string; content_hash: string; origin: string | null }>(
    `SELECT path, content_hash, metadata->>'origin' AS origin FROM knowledge_documents WHERE source_id = $1`,
    [sourceId],
  );
  return new Map(rows.map((r) => [r.path, { contentHash: r.content_hash, origin: r.origin === 'added' ? 'added' : 'source' }]));
}

export interface SourceStats {
  name: string;
  documents: number;
  chunks: number;
  bytes: number;
  /** When a document of the source was last stored; null when it holds none. */
  lastIngestedAt: Date | null;
}

/** Every stored source of the agent (or only `names`), by name. */
export async function sourceStats(q: Queryable, projectId: string, agentName: string, names?: string[]): Promise<Map<string, SourceStats>> {
  const rows = await q.query<{ name: string; chunks: number | string; documents: number | string; bytes: number | string | null; last: Date | null }>(
    `SELECT s.name, s.chunk_count AS chunks, count(d.id) AS documents, sum(d.bytes) AS bytes, max(d.ingested_at) AS last
     FROM knowledge_sources s LEFT JOIN knowledge_documents d ON d.source_id = s.id
     WHERE s.project_id = $1 AND s.agent_name = $2 AND ($3::text[] IS NULL OR s.name = ANY($3::text[]))
     GROUP BY s.id, s.name, s.chunk_count`,
    [projectId, agentName, names ?? null],
  );
  return new Map(
    rows.map((r) => [
      r.name,
      { name: r.name, documents: Number(r.documents), chunks: Number(r.chunks), bytes: Number(r.bytes ?? 0), lastIngestedAt: r.last === null ? null : new Date(r.last) },
    ]),
  );
}
