-- The Part 11 audit trail: append-only, hash-chained, time-stamped by the database.
CREATE SEQUENCE console.audit_seq;

CREATE TABLE console.audit_log (
  seq         bigint PRIMARY KEY,
  ts          timestamptz NOT NULL,          -- the database's clock, never the client's
  user_id     bigint,                        -- console user id; NULL for the system or a database role
  username    text,                          -- login name (or db:<role>) at that moment
  action      text NOT NULL,                 -- e.g. user.login, stack.up, record.update, signature
  target_type text,
  target_key  text,
  before      jsonb,
  after       jsonb,
  reason      text,                          -- reason or meaning
  client      text NOT NULL CHECK (client IN ('desktop', 'server', 'cli', 'system', 'database')),
  segment     text NOT NULL DEFAULT 'main',  -- one chain per segment (see docs/AUDIT.md)
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX audit_log_ts ON console.audit_log (ts);
CREATE INDEX audit_log_user ON console.audit_log (user_id, seq);
CREATE INDEX audit_log_action ON console.audit_log (action, seq);
CREATE INDEX audit_log_target ON console.audit_log (target_type, target_key, seq);
CREATE INDEX audit_log_segment ON console.audit_log (segment, seq);

-- The canonical text an entry's hash covers. Verification recomputes it; exports carry it.
CREATE FUNCTION console.audit_canonical(a console.audit_log) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_array(
    a.seq, to_char(a.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.user_id, a.username, a.action,
    a.target_type, a.target_key, a.before, a.after, a.reason, a.client, a.segment, a.prev_hash
  )::text
$$;

-- Assigns seq, time and hashes under a lock, so the chain order is the commit order even with
-- concurrent writers; whatever the client sent for these columns is overwritten.
CREATE FUNCTION console.audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('fda.audit.' || NEW.segment, 0));
  NEW.seq := nextval('console.audit_seq');
  NEW.ts := clock_timestamp();
  SELECT hash INTO last_hash FROM console.audit_log WHERE segment = NEW.segment ORDER BY seq DESC LIMIT 1;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.hash := encode(sha256(convert_to(NEW.prev_hash || E'\n' || console.audit_canonical(NEW), 'UTF8')), 'hex');
  RETURN NEW;
END $$;
CREATE TRIGGER audit_chain BEFORE INSERT ON console.audit_log FOR EACH ROW EXECUTE FUNCTION console.audit_chain();

CREATE FUNCTION console.audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on console.audit_log is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON console.audit_log FOR EACH ROW EXECUTE FUNCTION console.audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON console.audit_log FOR EACH STATEMENT EXECUTE FUNCTION console.audit_append_only();

REVOKE ALL ON console.audit_log FROM PUBLIC, fda_app;
GRANT SELECT, INSERT ON console.audit_log TO fda_app;
REVOKE ALL ON SEQUENCE console.audit_seq FROM PUBLIC, fda_app;
GRANT USAGE ON SEQUENCE console.audit_seq TO fda_app;

-- Row-level audit of data changes made outside bulk jobs (bulk jobs set fda.bulk_job and write
-- one summary entry with counts and a digest instead). TG_ARGV names the key columns.
CREATE FUNCTION console.audit_record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_new jsonb;
  row_old jsonb;
  keyed jsonb;
  key_text text := '';
  i int;
  b jsonb;
  a jsonb;
BEGIN
  -- First, and cheaply: a bulk load writes one summary entry instead of one per row.
  IF coalesce(current_setting('fda.bulk_job', true), '') <> '' THEN
    RETURN NULL;
  END IF;
  row_new := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  row_old := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  keyed := coalesce(row_new, row_old);
  FOR i IN 0 .. TG_NARGS - 1 LOOP
    key_text := key_text || CASE WHEN i > 0 THEN '/' ELSE '' END || coalesce(keyed ->> TG_ARGV[i], '');
  END LOOP;
  IF TG_OP = 'UPDATE' THEN
    -- Only what changed, field by field of the record, plus the checksum and source.
    SELECT jsonb_object_agg(k, row_old -> 'record' -> k), jsonb_object_agg(k, row_new -> 'record' -> k)
      INTO b, a
      FROM (SELECT jsonb_object_keys(row_old -> 'record') UNION SELECT jsonb_object_keys(row_new -> 'record')) AS keys(k)
     WHERE (row_old -> 'record' -> k) IS DISTINCT FROM (row_new -> 'record' -> k);
    b := jsonb_build_object('record', coalesce(b, '{}'), 'checksum', row_old -> 'checksum', 'source', row_old -> 'source');
    a := jsonb_build_object('record', coalesce(a, '{}'), 'checksum', row_new -> 'checksum', 'source', row_new -> 'source');
  ELSIF TG_OP = 'INSERT' THEN
    a := jsonb_build_object('record', row_new -> 'record', 'checksum', row_new -> 'checksum', 'source', row_new -> 'source');
  ELSE
    b := jsonb_build_object('record', row_old -> 'record', 'checksum', row_old -> 'checksum', 'source', row_old -> 'source');
  END IF;
  INSERT INTO console.audit_log (user_id, username, action, target_type, target_key, before, after, reason, client)
  VALUES (
    nullif(current_setting('fda.user_id', true), '')::bigint,
    coalesce(nullif(current_setting('fda.username', true), ''), 'db:' || session_user),
    'record.' || lower(TG_OP), TG_TABLE_NAME, key_text, b, a,
    nullif(current_setting('fda.reason', true), ''),
    coalesce(nullif(current_setting('fda.client', true), ''), 'database')
  );
  RETURN NULL;
END $$;
