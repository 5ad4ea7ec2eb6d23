-- The six RAG stages of a grounded turn (query processing, retriever, chunk relevance, hand-off,
-- response quality, citation and grounding), kept on the trace row so monitoring can aggregate
-- them without reading spans. Null for turns that did not read knowledge.
ALTER TABLE traces ADD COLUMN stages jsonb;
