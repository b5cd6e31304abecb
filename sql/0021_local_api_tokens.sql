-- openFDA matches non-exact fields by tokens (runs of letters and digits, lower-cased). The local
-- API finds `field:value` on a key or product code through these GIN indexes of each value's tokens
-- (`openfda.fda_tokens(col) @> ARRAY[...]`), then re-checks the order of the tokens with a regular
-- expression. Without them a key lookup such as search=k_number:K123456 reads the whole table.
-- Measured at 100k MAUDE events (docs/LOCAL-API.md): key lookup p50 from hundreds of ms to ~ms.
CREATE FUNCTION openfda.fda_tokens(v text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT regexp_split_to_array(lower(v), '[^a-z0-9]+') $$;
GRANT EXECUTE ON FUNCTION openfda.fda_tokens(text) TO fda_reader, fda_app;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
    ('device_510k', 'k_number'), ('device_classification', 'product_code'), ('device_event', 'mdr_report_key'),
    ('device_recall', 'product_res_number'), ('device_pma', 'pma_number'), ('device_udi', 'record_key'),
    ('device_enforcement', 'recall_number'),
    ('device_510k', 'product_code'), ('device_recall', 'product_code'), ('device_pma', 'product_code')
  ) AS v(tbl, col)
  LOOP
    EXECUTE format('CREATE INDEX %1$s_%2$s_tokens ON openfda.%1$I USING gin (openfda.fda_tokens(%2$I))', t.tbl, t.col);
  END LOOP;
END $$;
