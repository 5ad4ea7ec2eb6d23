-- Model responses kept by test runs: the same model given the same input (system prompt, messages,
-- tools, settings) answers from here instead of being called again, so re-running a suite after a
-- change pays only for the calls the change affects.
CREATE TABLE model_cache (
  project_id text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key text NOT NULL,
  model text NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  hits integer NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, key)
);
