-- Blue-green deployment (docs/BLUE-GREEN.md).

-- What the standby is expected to hold, per endpoint: written into the standby itself by whoever
-- prepared it (a copy of the live color: the live color's counts and digests at copy time) or
-- refreshed it (the refresh's own counts and digests). The promotion guardrails compare the
-- standby's actual rows and digests with this. Not replicated: it describes its own database.
CREATE TABLE console.deploy_expectations (
  endpoint    text PRIMARY KEY,
  rows        bigint NOT NULL CHECK (rows >= 0),
  digest      text NOT NULL,
  source      text NOT NULL,            -- e.g. copy:<prepare job>, refresh:<job>
  written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON console.deploy_expectations TO fda_app;

-- Operator tables flow from the live color to the standby (and back after a promotion) by logical
-- replication. Data tables never do: their changes come from the refresh into the standby only.
-- Only the main audit chain flows (a refresh writes its own segment on the standby, copied across
-- at promotion, see docs/AUDIT.md); the trail is insert-only, so only inserts are published.
CREATE PUBLICATION fda_ops FOR TABLE console.users, console.sessions, console.settings;
CREATE PUBLICATION fda_ops_audit FOR TABLE console.audit_log WHERE (segment = 'main') WITH (publish = 'insert');

-- Blue-green settings, kept with the other console settings (changes audited).
INSERT INTO console.settings (key, value) VALUES
  ('deploy.warmWindowHours', '24'),
  ('deploy.pauseDeadlineSeconds', '5'),
  ('deploy.maxTransactionSeconds', '15'),
  ('deploy.healthWindowSeconds', '10'),
  ('deploy.minFreeDiskMb', '1024')
ON CONFLICT (key) DO NOTHING;

-- A switch proves the standby has applied every operator change of the live color by writing a
-- token here on the live color (while the pool is paused) and waiting until it arrives.
CREATE TABLE console.deploy_marker (
  id     integer PRIMARY KEY CHECK (id = 1),
  token  text NOT NULL,
  at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO console.deploy_marker (id, token) VALUES (1, 'initial');
ALTER PUBLICATION fda_ops ADD TABLE console.deploy_marker;
