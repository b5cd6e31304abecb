-- Console users (21 CFR Part 11 §11.100, §11.300). Users are disabled, never deleted, so a user id
-- is never reused; usernames are unique regardless of case.
CREATE TABLE console.users (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username             text NOT NULL CHECK (username ~ '^[a-z][a-z0-9._-]{1,62}$'),
  printed_name         text NOT NULL CHECK (length(printed_name) BETWEEN 1 AND 200),
  role                 text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  password_hash        text NOT NULL,      -- argon2id, PHC string
  password_changed_at  timestamptz NOT NULL DEFAULT now(),
  must_change_password boolean NOT NULL DEFAULT false,
  failed_logins        integer NOT NULL DEFAULT 0,
  locked_at            timestamptz,
  disabled_at          timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  created_by           bigint REFERENCES console.users (id),
  last_login_at        timestamptz
);
CREATE UNIQUE INDEX users_username ON console.users (lower(username));

-- Sign-in sessions (desktop and server mode) and tokens issued to the CLI. Only a hash is kept.
CREATE TABLE console.sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash  text NOT NULL UNIQUE,
  user_id     bigint NOT NULL REFERENCES console.users (id),
  kind        text NOT NULL CHECK (kind IN ('session', 'cli-token')),
  client      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_user ON console.sessions (user_id);

-- Console settings stored with the data they govern (password aging, TTLs, …); changes are audited.
CREATE TABLE console.settings (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  bigint REFERENCES console.users (id)
);
INSERT INTO console.settings (key, value) VALUES
  ('auth.maxFailedLogins', '5'),
  ('auth.passwordMaxAgeDays', '90'),
  ('auth.passwordMinLength', '12'),
  ('auth.sessionIdleMinutes', '30');

-- Sessions are revoked, never deleted; users are disabled, never deleted.
REVOKE DELETE, TRUNCATE ON console.users, console.sessions, console.settings FROM fda_app;
GRANT SELECT, INSERT, UPDATE ON console.users, console.sessions, console.settings TO fda_app;
