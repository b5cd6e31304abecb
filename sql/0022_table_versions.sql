-- A version per endpoint table, bumped by every statement that changes it (statement-level, so a bulk
-- load of a million rows bumps it once). The local API caches count answers and totals under
-- (epoch, version): a change in the table, or another database (the other color after a promote,
-- whose epoch differs), makes them miss. Counts over a whole table read every record, so repeated
-- `count=` questions from agents are answered from the cache until the data changes.
CREATE TABLE openfda.table_versions (
  tbl      text PRIMARY KEY,
  epoch    uuid NOT NULL DEFAULT gen_random_uuid(),
  version  bigint NOT NULL DEFAULT 0
);
GRANT SELECT ON openfda.table_versions TO fda_reader, fda_app;

CREATE FUNCTION openfda.bump_table_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, openfda AS $$
BEGIN
  UPDATE openfda.table_versions SET version = version + 1 WHERE tbl = TG_TABLE_NAME;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION openfda.bump_table_version() FROM PUBLIC;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['device_510k', 'device_classification', 'device_event', 'device_recall', 'device_pma', 'device_udi', 'device_enforcement']
  LOOP
    INSERT INTO openfda.table_versions (tbl) VALUES (t);
    EXECUTE format('CREATE TRIGGER %1$s_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON openfda.%1$I FOR EACH STATEMENT EXECUTE FUNCTION openfda.bump_table_version()', t);
  END LOOP;
END $$;
