-- The audit viewer: indexes for its filters (each ends in seq, so keyset pagination by seq stays an
-- index range scan), and a trigram index for free-text search over what an entry says.
CREATE INDEX IF NOT EXISTS audit_log_username ON console.audit_log (username, seq);
CREATE INDEX IF NOT EXISTS audit_log_target_key ON console.audit_log (target_key, seq);

-- What free-text search looks at: who, what, on what, why, and the start of before/after.
CREATE FUNCTION console.audit_search_text(action text, username text, target_type text, target_key text, reason text, before jsonb, after jsonb)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT lower(coalesce(action, '') || ' ' || coalesce(username, '') || ' ' || coalesce(target_type, '') || ' ' ||
               coalesce(target_key, '') || ' ' || coalesce(reason, '') || ' ' ||
               left(coalesce(before::text, ''), 2000) || ' ' || left(coalesce(after::text, ''), 2000))
$$;
CREATE INDEX IF NOT EXISTS audit_log_text ON console.audit_log
  USING gin (console.audit_search_text(action, username, target_type, target_key, reason, before, after) gin_trgm_ops);
