-- Imports load each file straight into its endpoint table, newest cached file first, so the first
-- copy of a key that is loaded is the one that wins (no staging copy of the records, no merge
-- pass). What each file contributed (its keys and checksums, narrow) is kept for verification, in
-- the same transaction as the rows, so a resumed run finds exactly what was committed.
DROP TABLE console.import_staging;

CREATE TABLE console.import_keys (
  run_id     text NOT NULL,
  endpoint   text NOT NULL,
  load_order integer NOT NULL,   -- the file's place in the load (newest first)
  ord        integer NOT NULL,   -- the record's place in its file
  key_text   text NOT NULL,
  key        jsonb NOT NULL,
  checksum   text NOT NULL
);

-- "Has an earlier file of this run loaded this key?" for tables that held rows before the run.
CREATE INDEX import_keys_lookup ON console.import_keys (run_id, endpoint, key_text, load_order);

-- Endpoint tables that were empty when the run began: there every row is this run's own.
ALTER TABLE console.import_runs ADD COLUMN fresh_endpoints text[] NOT NULL DEFAULT '{}';

ALTER TABLE console.import_files
  ADD COLUMN load_order integer,
  ADD COLUMN inserted integer NOT NULL DEFAULT 0,
  ADD COLUMN updated integer NOT NULL DEFAULT 0,
  ADD COLUMN unchanged integer NOT NULL DEFAULT 0;

GRANT SELECT, INSERT, DELETE ON console.import_keys TO fda_app;
