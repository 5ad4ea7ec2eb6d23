-- Knowledge: one vector per chunk and embedding model, for vector retrieval.
--
-- Stored as plain real[] rather than pgvector's `vector`, so this migration and the data are the
-- same on every store whether or not the server has pgvector; search casts to `vector` where the
-- extension is there and computes the same dot product in SQL where it is not (src/knowledge/vectors.ts).
-- Vectors are L2-normalised before they are written, so cosine similarity is their dot product.
--
-- Keyed by chunk and model: vectors of different models never mix in a search, and switching an
-- agent to another embedding model (or comparing two) keeps the vectors already paid for.

CREATE TABLE knowledge_chunk_embeddings (
  project_id text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  chunk_id bigint NOT NULL REFERENCES knowledge_chunks(id) ON DELETE CASCADE,
  -- Copied from the chunk so a search filters and reports without joining it.
  source_id bigint NOT NULL,
  document_id bigint NOT NULL,
  -- `provider/model`, as Embedder.ref.
  model text NOT NULL,
  dims integer NOT NULL,
  embedding real[] NOT NULL,
  PRIMARY KEY (chunk_id, model),
  CHECK (dims > 0 AND cardinality(embedding) = dims)
);

-- Floats do not compress: a vector too big to stay in the row (over ~500 dims) goes out of line
-- without a pointless compression attempt first.
ALTER TABLE knowledge_chunk_embeddings ALTER COLUMN embedding SET STORAGE EXTERNAL;

CREATE INDEX knowledge_chunk_embeddings_search ON knowledge_chunk_embeddings (project_id, model, source_id);
