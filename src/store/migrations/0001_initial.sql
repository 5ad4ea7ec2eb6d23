-- Every table carries its project: the tenant boundary of DESIGN.md.
CREATE TABLE projects (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projects (id, name) VALUES ('default', 'Default project');

-- One row per distinct content of an agent definition; never updated.
CREATE TABLE agent_versions (
  project_id text NOT NULL REFERENCES projects(id),
  agent_name text NOT NULL,
  version text NOT NULL,
  definition jsonb NOT NULL,
  source_path text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, agent_name, version)
);

CREATE TABLE sessions (
  project_id text NOT NULL REFERENCES projects(id),
  id text PRIMARY KEY,
  agent_name text NOT NULL,
  agent_version text NOT NULL,
  channel text NOT NULL,
  -- Conversation state the runtime carries between turns (e.g. an action waiting for an argument).
  state jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (project_id, agent_name, agent_version) REFERENCES agent_versions(project_id, agent_name, version)
);
CREATE INDEX sessions_project_created ON sessions (project_id, created_at DESC);

CREATE TABLE turns (
  project_id text NOT NULL REFERENCES projects(id),
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions(id),
  seq integer NOT NULL,
  trace_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('completed', 'awaiting_approval', 'failed', 'denied')),
  input text NOT NULL,
  output text,
  error text,
  -- What a suspended turn needs to continue after an approval decision.
  continuation jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  UNIQUE (session_id, seq)
);

CREATE TABLE messages (
  project_id text NOT NULL REFERENCES projects(id),
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions(id),
  turn_id text NOT NULL REFERENCES turns(id),
  seq integer NOT NULL,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (session_id, seq)
);

CREATE TABLE approvals (
  project_id text NOT NULL REFERENCES projects(id),
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions(id),
  turn_id text NOT NULL REFERENCES turns(id),
  action text NOT NULL,
  arguments jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
  decided_by text,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz
);
CREATE INDEX approvals_pending ON approvals (project_id, status, created_at);

CREATE TABLE traces (
  project_id text NOT NULL REFERENCES projects(id),
  id text PRIMARY KEY,
  session_id text,
  turn_id text,
  agent_name text NOT NULL,
  agent_version text NOT NULL,
  channel text NOT NULL,
  status text NOT NULL CHECK (status IN ('completed', 'awaiting_approval', 'failed', 'denied')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  duration_ms double precision,
  input text NOT NULL,
  output text,
  error text,
  topic text,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0
);
CREATE INDEX traces_project_started ON traces (project_id, started_at DESC);
CREATE INDEX traces_session ON traces (session_id);

-- Append-only: a resumed turn adds spans to its trace, it never rewrites earlier ones.
CREATE TABLE spans (
  project_id text NOT NULL REFERENCES projects(id),
  id text PRIMARY KEY,
  trace_id text NOT NULL REFERENCES traces(id),
  -- Start order within the trace.
  seq integer NOT NULL,
  parent_id text,
  kind text NOT NULL,
  name text NOT NULL,
  status text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  duration_ms double precision,
  model text,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0,
  input jsonb,
  output jsonb,
  attributes jsonb NOT NULL DEFAULT '{}',
  error text
);
CREATE UNIQUE INDEX spans_trace_seq ON spans (trace_id, seq);
