-- Knowledge: sources → documents → chunks, and the postings BM25 is computed from.
--
-- Ids are integers, not prefixed text: chunk ids are repeated in every posting, so they are kept
-- small. Deleting a project, source or document removes everything under it (ON DELETE CASCADE).
-- Vectors come later as an `embedding` column on knowledge_chunks, added by its own migration.

CREATE TABLE knowledge_sources (
  project_id text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_name text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Collection statistics for BM25, kept exact by the triggers below so a query never scans the
  -- chunks for them: how many chunks there are, how many have a non-empty body and title field, and
  -- how many lexeme occurrences those fields hold in all.
  chunk_count bigint NOT NULL DEFAULT 0,
  body_chunks bigint NOT NULL DEFAULT 0,
  body_length bigint NOT NULL DEFAULT 0,
  titled_chunks bigint NOT NULL DEFAULT 0,
  title_length bigint NOT NULL DEFAULT 0,
  UNIQUE (project_id, agent_name, name)
);

CREATE TABLE knowledge_documents (
  project_id text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id bigint NOT NULL REFERENCES knowledge_sources(id) ON DELETE CASCADE,
  -- Where the document came from, unique within its source: a file path relative to the source,
  -- a URL, or a corpus id.
  path text NOT NULL,
  title text NOT NULL,
  content_hash text NOT NULL,
  bytes bigint NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  ingested_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_id, path)
);

CREATE TABLE knowledge_chunks (
  project_id text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id bigint NOT NULL,
  document_id bigint NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
  position integer NOT NULL,
  title text NOT NULL,
  section_path text[] NOT NULL DEFAULT '{}',
  text text NOT NULL,
  tokens integer NOT NULL,
  location jsonb,
  -- Title and headings (weight A) followed by the body, in the 'english' configuration.
  tsv tsvector NOT NULL,
  -- Lexeme occurrences in the body and in the title field: BM25's document lengths.
  length integer NOT NULL,
  title_length integer NOT NULL,
  UNIQUE (document_id, position)
);

-- One row per distinct lexeme of a chunk: its frequency in the body (tf) and in the title field
-- (title_tf), with the chunk's lengths and owners copied in so scoring a query term reads only the
-- rows of that term. Rows are written only together with their chunk and deleted with it by the
-- knowledge_chunks_removed trigger: a foreign key would check every posting on insert, which makes
-- ingestion a third slower, and would delete them one chunk at a time.
CREATE TABLE knowledge_chunk_terms (
  project_id text NOT NULL,
  term text NOT NULL,
  chunk_id bigint NOT NULL,
  document_id bigint NOT NULL,
  source_id bigint NOT NULL,
  tf integer NOT NULL,
  title_tf integer NOT NULL,
  length integer NOT NULL,
  title_length integer NOT NULL
);
-- Everything scoring needs is in the index, so a query reads only index pages (an index-only scan,
-- once VACUUM has marked the table's pages all-visible) instead of one table page per posting.
CREATE INDEX knowledge_chunk_terms_lookup ON knowledge_chunk_terms (project_id, term)
  INCLUDE (source_id, chunk_id, document_id, tf, title_tf, length, title_length);
-- For deleting a chunk's postings.
CREATE INDEX knowledge_chunk_terms_chunk ON knowledge_chunk_terms (chunk_id);

CREATE FUNCTION knowledge_chunks_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE knowledge_sources s SET
    chunk_count = s.chunk_count + d.n,
    body_chunks = s.body_chunks + d.bodied,
    body_length = s.body_length + d.body,
    titled_chunks = s.titled_chunks + d.titled,
    title_length = s.title_length + d.title
  FROM (SELECT source_id, count(*) AS n, count(*) FILTER (WHERE length > 0) AS bodied, sum(length) AS body, count(*) FILTER (WHERE title_length > 0) AS titled, sum(title_length) AS title
        FROM added GROUP BY source_id) d
  WHERE s.id = d.source_id;
  RETURN NULL;
END $$;

CREATE FUNCTION knowledge_chunks_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM knowledge_chunk_terms WHERE chunk_id IN (SELECT id FROM removed);
  -- When the whole source is being deleted its row is already gone and this updates nothing.
  UPDATE knowledge_sources s SET
    chunk_count = s.chunk_count - d.n,
    body_chunks = s.body_chunks - d.bodied,
    body_length = s.body_length - d.body,
    titled_chunks = s.titled_chunks - d.titled,
    title_length = s.title_length - d.title
  FROM (SELECT source_id, count(*) AS n, count(*) FILTER (WHERE length > 0) AS bodied, sum(length) AS body, count(*) FILTER (WHERE title_length > 0) AS titled, sum(title_length) AS title
        FROM removed GROUP BY source_id) d
  WHERE s.id = d.source_id;
  RETURN NULL;
END $$;

CREATE TRIGGER knowledge_chunks_added AFTER INSERT ON knowledge_chunks
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION knowledge_chunks_added();
CREATE TRIGGER knowledge_chunks_removed AFTER DELETE ON knowledge_chunks
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION knowledge_chunks_removed();
