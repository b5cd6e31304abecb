-- Extensions, schemas and roles of the mirror. Role passwords are set by the console from its
-- secret store, never here.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

CREATE SCHEMA IF NOT EXISTS openfda;   -- the mirrored endpoint data
CREATE SCHEMA IF NOT EXISTS console;   -- users, sessions, settings, the audit trail

DO $$
BEGIN
  -- The console's own application role: never a superuser, never owner of the audit trail.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fda_app') THEN
    CREATE ROLE fda_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
  -- Read-only agents and tools querying the mirror through PgBouncer.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fda_reader') THEN
    CREATE ROLE fda_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
END $$;

-- Nobody creates objects in public; its extension functions (pgcrypto, pg_trgm) stay usable.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA openfda TO fda_app, fda_reader;
GRANT USAGE ON SCHEMA console TO fda_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA openfda GRANT SELECT ON TABLES TO fda_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA openfda GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO fda_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA console GRANT SELECT, INSERT, UPDATE ON TABLES TO fda_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA console GRANT USAGE, SELECT ON SEQUENCES TO fda_app;
