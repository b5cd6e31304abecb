-- The local openFDA-compatible API (docs/LOCAL-API.md) compiles openFDA queries to SQL. Dates inside
-- records are text in several forms; this is the same parser as the console's parseOpenFdaDate
-- (src/main/openfda/dates.ts), so a range or sort on any date field agrees with the extracted columns
-- and with the in-memory engine: YYYY-MM-DD (optionally with a time), YYYYMMDD, MM/DD/YYYY, YYYY/MM/DD,
-- years 1800..2200, real calendar days only; anything else is NULL.
CREATE FUNCTION openfda.parse_openfda_date(raw text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
  s text := btrim(raw, E' \t\n\r\f\v');
  m text[];
  y int; mo int; d int;
BEGIN
  m := regexp_match(s, '^([0-9]{4})-([0-9]{2})-([0-9]{2})([T ].*)?$');
  IF m IS NULL THEN m := regexp_match(s, '^([0-9]{4})([0-9]{2})([0-9]{2})$'); END IF;
  IF m IS NOT NULL THEN
    y := m[1]::int; mo := m[2]::int; d := m[3]::int;
  ELSE
    m := regexp_match(s, '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$');
    IF m IS NOT NULL THEN
      y := m[3]::int; mo := m[1]::int; d := m[2]::int;
    ELSE
      m := regexp_match(s, '^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$');
      IF m IS NULL THEN RETURN NULL; END IF;
      y := m[1]::int; mo := m[2]::int; d := m[3]::int;
    END IF;
  END IF;
  IF y < 1800 OR y > 2200 OR mo < 1 OR mo > 12 OR d < 1 THEN RETURN NULL; END IF;
  IF d > extract(day FROM make_date(y, mo, 1) + interval '1 month' - interval '1 day') THEN RETURN NULL; END IF;
  RETURN make_date(y, mo, d);
END $$;

GRANT EXECUTE ON FUNCTION openfda.parse_openfda_date(text) TO fda_reader, fda_app;
