-- Batch test runs: one row per run of a suite against one agent version, and one result per case
-- (and repeat), written as each case finishes so an interrupted run keeps what it did and resumes.

CREATE TABLE eval_runs (
  project_id text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  id text PRIMARY KEY,
  suite_name text NOT NULL,
  suite_file text NOT NULL,
  suite_version text NOT NULL,
  agent_name text NOT NULL,
  agent_version text NOT NULL,
  -- The models of each stage the agent ran with, and the judge of the evaluators.
  models jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
  repeats integer NOT NULL DEFAULT 1,
  case_count integer NOT NULL,
  config jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- Aggregates and the gate verdict, once the run is complete.
  summary jsonb
);
CREATE INDEX eval_runs_suite ON eval_runs (project_id, suite_name, started_at DESC);

CREATE TABLE eval_results (
  project_id text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  run_id text NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  case_id text NOT NULL,
  repeat integer NOT NULL,
  passed boolean,
  -- The first pipeline stage that went wrong, for a failed case: guard, route, retrieve, act, respond, cite.
  root_cause text,
  output jsonb NOT NULL,
  scores jsonb NOT NULL,
  trace_ids text[] NOT NULL DEFAULT '{}',
  latency_ms double precision NOT NULL,
  cost_usd double precision NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, case_id, repeat)
);
