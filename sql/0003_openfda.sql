-- One table per openFDA device endpoint, keyed by its natural key. Each row keeps the whole record
-- as JSONB (contact names and phone numbers split off into `sensitive`, encrypted with pgcrypto),
-- a content checksum (HMAC-SHA256 of its canonical JSON, keyed from the console's secret
-- store), where it came from, and the columns users filter on, extracted by the console. Dates keep
-- their raw text beside the parsed value (endpoints use YYYY-MM-DD, YYYYMMDD and MM/DD/YYYY).
CREATE FUNCTION openfda.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
    -- classification is keyed by its product_code, one of the common columns below
    ('device_510k',           'k_number text NOT NULL,',                                                'k_number',                       'k_number'),
    ('device_classification', '',                                                                       'product_code',                   'product_code'),
    ('device_event',          'mdr_report_key text NOT NULL,',                                          'mdr_report_key',                 'mdr_report_key'),
    ('device_recall',         'product_res_number text NOT NULL,',                                      'product_res_number',             'product_res_number'),
    ('device_pma',            'pma_number text NOT NULL, supplement_number text NOT NULL DEFAULT '''',', 'pma_number, supplement_number', 'pma_number, supplement_number'),
    ('device_udi',            'record_key text NOT NULL, key_source text NOT NULL CHECK (key_source IN (''public_device_record_key'', ''primary_di'')),', 'record_key', 'record_key'),
    ('device_enforcement',    'recall_number text NOT NULL,',                                           'recall_number',                  'recall_number')
  ) AS v(name, key_columns, pk, trigger_args)
  LOOP
    EXECUTE format($f$
      CREATE TABLE openfda.%1$I (
        %2$s
        record            jsonb NOT NULL,     -- the record as openFDA ships it, less its sensitive fields
        sensitive         bytea,              -- those fields (contact names, phones), pgcrypto-encrypted
        checksum          text NOT NULL,
        source            text NOT NULL,
        loaded_at         timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        product_code      text,
        firm              text,
        device_name       text,
        device_class      text,
        decision_date     date,
        decision_date_raw text,
        received_date     date,
        received_date_raw text,
        report_date       date,
        report_date_raw   text,
        PRIMARY KEY (%3$s)
      )$f$, t.name, t.key_columns, t.pk);
    EXECUTE format('CREATE INDEX %1$s_record ON openfda.%1$I USING gin (record jsonb_path_ops)', t.name);
    EXECUTE format('CREATE INDEX %1$s_product_code ON openfda.%1$I (product_code)', t.name);
    EXECUTE format('CREATE INDEX %1$s_device_class ON openfda.%1$I (device_class)', t.name);
    EXECUTE format('CREATE INDEX %1$s_decision_date ON openfda.%1$I (decision_date)', t.name);
    EXECUTE format('CREATE INDEX %1$s_received_date ON openfda.%1$I (received_date)', t.name);
    EXECUTE format('CREATE INDEX %1$s_report_date ON openfda.%1$I (report_date)', t.name);
    EXECUTE format('CREATE INDEX %1$s_firm_trgm ON openfda.%1$I USING gin (firm gin_trgm_ops)', t.name);
    EXECUTE format('CREATE INDEX %1$s_device_name_trgm ON openfda.%1$I USING gin (device_name gin_trgm_ops)', t.name);
    EXECUTE format('CREATE TRIGGER %1$s_touch BEFORE UPDATE ON openfda.%1$I FOR EACH ROW EXECUTE FUNCTION openfda.touch_updated_at()', t.name);
    -- WHEN: during a bulk load the trigger is not even queued (a million queued no-op calls cost minutes).
    EXECUTE format($f$CREATE TRIGGER %1$s_audit AFTER INSERT OR UPDATE OR DELETE ON openfda.%1$I FOR EACH ROW
      WHEN (coalesce(current_setting('fda.bulk_job', true), '') = '') EXECUTE FUNCTION console.audit_record_change(%2$s)$f$, t.name, t.trigger_args);
  END LOOP;
END $$;
