-- 510(k) section-level text, for later full-text and fuzzy search.
CREATE TABLE openfda.k510_sections (
  k_number   text NOT NULL,
  section    text NOT NULL,
  content    jsonb NOT NULL,               -- {"title": ..., "text": ..., "page": ...}
  source     text NOT NULL,
  loaded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (k_number, section)
);
CREATE INDEX k510_sections_text_trgm ON openfda.k510_sections USING gin ((content ->> 'text') gin_trgm_ops);

-- Freshness per endpoint. TTL tiers: safety data (events, recalls, enforcement) 24 h; approvals
-- (510(k), PMA, UDI) 7 days; classification 30 days. ttl_seconds is what the console enforces and
-- may be changed (audited) from its settings.
CREATE TABLE openfda.refresh_metadata (
  endpoint          text PRIMARY KEY,
  ttl_tier          text NOT NULL CHECK (ttl_tier IN ('safety', 'approvals', 'reference')),
  ttl_seconds       integer NOT NULL CHECK (ttl_seconds > 0),
  last_refresh_at   timestamptz,
  last_success_at   timestamptz,
  record_count      bigint NOT NULL DEFAULT 0,
  last_added        bigint NOT NULL DEFAULT 0,
  last_updated      bigint NOT NULL DEFAULT 0,
  last_unchanged    bigint NOT NULL DEFAULT 0,
  last_error        text
);
INSERT INTO openfda.refresh_metadata (endpoint, ttl_tier, ttl_seconds) VALUES
  ('event', 'safety', 86400), ('recall', 'safety', 86400), ('enforcement', 'safety', 86400),
  ('510k', 'approvals', 604800), ('pma', 'approvals', 604800), ('udi', 'approvals', 604800),
  ('classification', 'reference', 2592000);

-- Change detection for refreshes: the checksum last seen for each record key.
CREATE TABLE openfda.delta_checksums (
  endpoint    text NOT NULL,
  record_key  text NOT NULL,
  checksum    text NOT NULL,
  seen_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint, record_key)
);
