-- Refreshes from openFDA. A run lives in the database it writes to (GREEN for a blue-green
-- refresh, the live color in place), so its checkpoints commit in the same transaction as the work:
-- each page or bulk file is staged in one transaction together with its refresh_units row, and each
-- endpoint's change set is applied in one transaction together with refresh_endpoints.state =
-- 'applied'. A run killed at any point resumes without fetching a staged unit again and without
-- applying an endpoint twice.
CREATE TABLE console.refresh_runs (
  id              text PRIMARY KEY,
  job_id          text,
  source          text NOT NULL,              -- API base URL (and manifest URL)
  color           text NOT NULL CHECK (color IN ('blue', 'green')),
  blue_green      boolean NOT NULL,
  endpoints       text[] NOT NULL,
  started_by      bigint,
  started_by_name text NOT NULL,
  state           text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled', 'superseded')),
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  error           text,
  summary         jsonb
);

-- Per endpoint: how it is fetched (a date window of its moving date, or the bulk files of the
-- download manifest), and whether its change set has been applied.
CREATE TABLE console.refresh_endpoints (
  run_id       text NOT NULL REFERENCES console.refresh_runs (id),
  endpoint     text NOT NULL,
  mode         text NOT NULL CHECK (mode IN ('date-range', 'bulk')),
  date_field   text,                        -- openFDA's field (date_received, decision_date, ...)
  window_from  date,
  window_to    date,
  units_total  integer,                      -- bulk: files in the manifest; date-range: pages (known after the first)
  state        text NOT NULL CHECK (state IN ('fetching', 'fetched', 'applied')) DEFAULT 'fetching',
  counts       jsonb,
  digest       text,
  PRIMARY KEY (run_id, endpoint)
);

-- One row per staged page or file, written in the transaction that staged its records.
CREATE TABLE console.refresh_units (
  run_id     text NOT NULL,
  endpoint   text NOT NULL,
  unit_no    integer NOT NULL,
  unit       text NOT NULL,                  -- the file URL, or the page's query parameters (JSON)
  next       text,                           -- date-range: the next page's parameters (JSON), null on the last page
  records    integer NOT NULL,
  rejected   integer NOT NULL DEFAULT 0,     -- records without their natural key, or not storable
  staged_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, endpoint, unit_no),
  FOREIGN KEY (run_id, endpoint) REFERENCES console.refresh_endpoints (run_id, endpoint)
);

CREATE TABLE console.refresh_staging (
  run_id     text NOT NULL,
  endpoint   text NOT NULL,
  unit_no    integer NOT NULL,
  ord        integer NOT NULL,
  key_text   text NOT NULL,
  key        jsonb NOT NULL,
  record     text NOT NULL,
  sensitive  text,
  checksum   text NOT NULL,
  product_code text, firm text, device_name text, device_class text,
  decision_date date, decision_date_raw text, received_date date, received_date_raw text, report_date date, report_date_raw text
);
CREATE INDEX refresh_staging_run ON console.refresh_staging (run_id, endpoint, key_text);

-- A mirror record that no longer matched what openFDA gave at the last refresh, replaced by the
-- refresh: 'both' when openFDA changed (or withdrew) it too, 'mirror-only' when only the mirror had
-- changed. openFDA's version is applied (the mirror is a copy of openFDA); the mirror's version is
-- kept here, never lost.
CREATE TABLE console.refresh_conflicts (
  run_id          text NOT NULL,
  endpoint        text NOT NULL,
  key_text        text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('both', 'mirror-only')),
  base_checksum   text NOT NULL,             -- what the last refresh saw (openfda.delta_checksums)
  mirror_checksum text NOT NULL,
  source_checksum text,                      -- null: openFDA deleted the record
  mirror_record   jsonb NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, endpoint, key_text)
);

GRANT SELECT, INSERT, UPDATE ON console.refresh_runs, console.refresh_endpoints, console.refresh_units, console.refresh_conflicts TO fda_app;
GRANT SELECT, INSERT, DELETE ON console.refresh_staging TO fda_app;
