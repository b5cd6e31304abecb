-- The migration wizard's state: runs, their input files, a staging area and the reject report.
-- A run can be resumed after a crash: files are staged one transaction each, endpoints merged one
-- transaction each, and what was done is recorded in the same transaction as the work.
CREATE TABLE console.import_runs (
  id              text PRIMARY KEY,
  job_id          text,
  source          text NOT NULL,
  endpoint_hint   text,
  started_by      bigint REFERENCES console.users (id),
  started_by_name text NOT NULL,
  state           text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
  phase           text NOT NULL DEFAULT 'preflight',
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  -- tables that were empty when the run began: their indexes are built after the load
  deferred_indexes jsonb NOT NULL DEFAULT '[]',
  merged          text[] NOT NULL DEFAULT '{}',
  summary         jsonb
);

CREATE TABLE console.import_files (
  run_id     text NOT NULL REFERENCES console.import_runs (id),
  file_no    integer NOT NULL,
  path       text NOT NULL,
  size       bigint NOT NULL,
  kind       text NOT NULL,
  endpoint   text,
  cached_at  double precision,
  status     text NOT NULL CHECK (status IN ('pending', 'staged', 'rejected', 'skipped')),
  records    integer NOT NULL DEFAULT 0,
  rejected   integer NOT NULL DEFAULT 0,
  note       text,
  PRIMARY KEY (run_id, file_no)
);

-- Unlogged for speed: after a crash it may be empty, and a resumed run re-stages any file whose
-- rows are missing (counts are checked against console.import_files).
CREATE UNLOGGED TABLE console.import_staging (
  run_id     text NOT NULL,
  endpoint   text NOT NULL,
  file_no    integer NOT NULL,
  ord        integer NOT NULL,
  cached_at  double precision NOT NULL,
  key_text   text NOT NULL,
  key        jsonb NOT NULL,
  record     text NOT NULL,    -- text, not jsonb: parsed once, when merged into the endpoint table
  sensitive  text,
  checksum   text NOT NULL,
  product_code text, firm text, device_name text, device_class text,
  decision_date date, decision_date_raw text, received_date date, received_date_raw text, report_date date, report_date_raw text
);
CREATE INDEX import_staging_run ON console.import_staging (run_id, endpoint, file_no, ord);

CREATE TABLE console.import_rejects (
  run_id    text NOT NULL,
  file      text NOT NULL,
  position  text NOT NULL,   -- "record 12" or "byte 4096" or "file"
  key       text,
  reason    text NOT NULL,
  at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_rejects_run ON console.import_rejects (run_id);

GRANT SELECT, INSERT, UPDATE ON console.import_runs, console.import_files TO fda_app;
GRANT SELECT, INSERT, DELETE ON console.import_staging, console.import_rejects TO fda_app;
