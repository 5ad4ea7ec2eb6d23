-- BM25 as a PL/pgSQL function, so each session plans the scoring query once and reuses the plan:
-- planning this query costs several times more than running it on a small index (1.3 ms against
-- 0.4 ms per query on the embedded store). The arithmetic is described in src/knowledge/bm25.ts.
--
-- $1 project, $2 query text, $3 source ids or null (all of the project's), $4 k1, $5 b, $6 how many
-- hits, $7 minimum score or null, $8 keep only each document's best chunk.
CREATE FUNCTION knowledge_bm25(text, text, bigint[], float8, float8, int, float8, boolean)
RETURNS TABLE (chunk_id bigint, document_id bigint, score float8)
LANGUAGE plpgsql STABLE AS $bm25$
#variable_conflict use_column
BEGIN
  IF $8 THEN
    RETURN QUERY
    WITH q AS (
      SELECT lexeme AS term, array_length(positions, 1)::float8 AS qtf FROM unnest(to_tsvector('english', $2::text))
    ),
    stats AS (
      SELECT sum(body_chunks)::float8 AS n_body, sum(body_length)::float8 / nullif(sum(body_chunks), 0) AS avg_body,
        sum(titled_chunks)::float8 AS n_title, sum(title_length)::float8 / nullif(sum(titled_chunks), 0) AS avg_title
      FROM knowledge_sources WHERE project_id = $1 AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))
    ),
    w AS MATERIALIZED (
      SELECT q.term,
        q.qtf * ln(1::float8 + (s.n_body - d.body_df + 0.5::float8) / (d.body_df + 0.5::float8)) * ($4::float8 + 1) AS body_weight,
        q.qtf * ln(1::float8 + (s.n_title - d.title_df + 0.5::float8) / (d.title_df + 0.5::float8)) * ($4::float8 + 1) AS title_weight,
        $4::float8 * (1 - $5::float8) AS norm_base,
        $4::float8 * $5::float8 / s.avg_body AS body_slope,
        $4::float8 * $5::float8 / s.avg_title AS title_slope
      FROM q CROSS JOIN stats s CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE t.tf > 0)::float8 AS body_df, count(*) FILTER (WHERE t.title_tf > 0)::float8 AS title_df
        FROM knowledge_chunk_terms t
        WHERE t.project_id = $1 AND t.term = q.term AND ($3::bigint[] IS NULL OR t.source_id = ANY($3::bigint[]))
      ) d
      WHERE d.body_df + d.title_df > 0
    ),
    scored AS (
      SELECT t.chunk_id, min(t.document_id) AS document_id, sum(
          CASE WHEN t.tf > 0 THEN w.body_weight * t.tf / (t.tf + w.norm_base + w.body_slope * t.length) ELSE 0::float8 END
        + CASE WHEN t.title_tf > 0 THEN w.title_weight * t.title_tf / (t.title_tf + w.norm_base + w.title_slope * t.title_length) ELSE 0::float8 END
      ) AS score
      FROM w JOIN knowledge_chunk_terms t ON t.project_id = $1 AND t.term = w.term
      WHERE $3::bigint[] IS NULL OR t.source_id = ANY($3::bigint[])
      GROUP BY t.chunk_id
    )    ,
    best AS (
      SELECT DISTINCT ON (document_id) chunk_id, document_id, score FROM scored ORDER BY document_id, score DESC, chunk_id
    )
    SELECT chunk_id, document_id, score FROM best
    WHERE $7::float8 IS NULL OR score >= $7::float8
    ORDER BY score DESC, chunk_id LIMIT $6;
  ELSE
    RETURN QUERY
    WITH q AS (
      SELECT lexeme AS term, array_length(positions, 1)::float8 AS qtf FROM unnest(to_tsvector('english', $2::text))
    ),
    stats AS (
      SELECT sum(body_chunks)::float8 AS n_body, sum(body_length)::float8 / nullif(sum(body_chunks), 0) AS avg_body,
        sum(titled_chunks)::float8 AS n_title, sum(title_length)::float8 / nullif(sum(titled_chunks), 0) AS avg_title
      FROM knowledge_sources WHERE project_id = $1 AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))
    ),
    w AS MATERIALIZED (
      SELECT q.term,
        q.qtf * ln(1::float8 + (s.n_body - d.body_df + 0.5::float8) / (d.body_df + 0.5::float8)) * ($4::float8 + 1) AS body_weight,
        q.qtf * ln(1::float8 + (s.n_title - d.title_df + 0.5::float8) / (d.title_df + 0.5::float8)) * ($4::float8 + 1) AS title_weight,
        $4::float8 * (1 - $5::float8) AS norm_base,
        $4::float8 * $5::float8 / s.avg_body AS body_slope,
        $4::float8 * $5::float8 / s.avg_title AS title_slope
      FROM q CROSS JOIN stats s CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE t.tf > 0)::float8 AS body_df, count(*) FILTER (WHERE t.title_tf > 0)::float8 AS title_df
        FROM knowledge_chunk_terms t
        WHERE t.project_id = $1 AND t.term = q.term AND ($3::bigint[] IS NULL OR t.source_id = ANY($3::bigint[]))
      ) d
      WHERE d.body_df + d.title_df > 0
    ),
    scored AS (
      SELECT t.chunk_id, min(t.document_id) AS document_id, sum(
          CASE WHEN t.tf > 0 THEN w.body_weight * t.tf / (t.tf + w.norm_base + w.body_slope * t.length) ELSE 0::float8 END
        + CASE WHEN t.title_tf > 0 THEN w.title_weight * t.title_tf / (t.title_tf + w.norm_base + w.title_slope * t.title_length) ELSE 0::float8 END
      ) AS score
      FROM w JOIN knowledge_chunk_terms t ON t.project_id = $1 AND t.term = w.term
      WHERE $3::bigint[] IS NULL OR t.source_id = ANY($3::bigint[])
      GROUP BY t.chunk_id
    )
    SELECT chunk_id, document_id, score FROM scored
    WHERE $7::float8 IS NULL OR score >= $7::float8
    ORDER BY score DESC, chunk_id LIMIT $6;
  END IF;
END
$bm25$;

-- What retrieval shows of each hit, for the same reason: a plan made once per session.
CREATE FUNCTION knowledge_chunk_details(bigint[])
RETURNS TABLE (id bigint, document_id bigint, source_name text, path text, title text, section_path text[], text text, tokens integer, link text)
LANGUAGE plpgsql STABLE AS $details$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    SELECT c.id, c.document_id, s.name, d.path, c.title, c.section_path, c.text, c.tokens, d.metadata->>'link'
    FROM knowledge_chunks c
    JOIN knowledge_documents d ON d.id = c.document_id
    JOIN knowledge_sources s ON s.id = c.source_id
    WHERE c.id = ANY($1);
END
$details$;

-- BM25 hits with what retrieval shows of them, in one call: the ground step's query on every turn.
CREATE FUNCTION knowledge_bm25_chunks(text, text, bigint[], float8, float8, int, float8)
RETURNS TABLE (chunk_id bigint, document_id bigint, score float8, source_name text, path text, title text, section_path text[], text text, tokens integer, link text)
LANGUAGE plpgsql STABLE AS $hits$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    SELECT b.chunk_id, b.document_id, b.score, s.name, d.path, c.title, c.section_path, c.text, c.tokens, d.metadata->>'link'
    FROM knowledge_bm25($1, $2, $3, $4, $5, $6, $7, false) b
    JOIN knowledge_chunks c ON c.id = b.chunk_id
    JOIN knowledge_documents d ON d.id = b.document_id
    JOIN knowledge_sources s ON s.id = c.source_id
    ORDER BY b.score DESC, b.chunk_id;
END
$hits$;
