import type pg from 'pg'
import { ENDPOINTS, ENDPOINT_DEFS, type Endpoint } from '../openfda/endpoints'

/**
 * What a color holds, per endpoint: row count and a content digest (MD5 over the records' content
 * checksums in sorted order, so it does not depend on physical row order), and what it is expected
 * to hold (console.deploy_expectations, written into the standby by whoever prepared or refreshed
 * it). The refresh orchestrator writes its expectation with `writeExpectations`.
 */
export interface Content {
  endpoint: Endpoint
  rows: number
  digest: string
}
export interface Expectation extends Content {
  source: string
  writtenAt: string
}

export async function measureContent(c: pg.ClientBase, endpoints: readonly Endpoint[] = ENDPOINTS): Promise<Content[]> {
  const out: Content[] = []
  for (const endpoint of endpoints) {
    const table = `openfda.${c.escapeIdentifier(ENDPOINT_DEFS[endpoint].table)}`
    const r = await c.query<{ rows: string; digest: string }>(
      `SELECT count(*)::text AS rows, md5(coalesce(string_agg(checksum, ',' ORDER BY checksum), '')) AS digest FROM ${table}`
    )
    out.push({ endpoint, rows: Number(r.rows[0].rows), digest: r.rows[0].digest })
  }
  return out
}

/** Replaces the expectation of the given endpoints (in the caller's transaction when there is one). */
export async function writeExpectations(c: pg.ClientBase, content: Content[], source: string): Promise<void> {
  for (const x of content) {
    await c.query(
      `INSERT INTO console.deploy_expectations (endpoint, rows, digest, source, written_at) VALUES ($1, $2, $3, $4, clock_timestamp())
       ON CONFLICT (endpoint) DO UPDATE SET rows = EXCLUDED.rows, digest = EXCLUDED.digest, source = EXCLUDED.source, written_at = EXCLUDED.written_at`,
      [x.endpoint, x.rows, x.digest, source]
    )
  }
}

export async function readExpectations(c: pg.ClientBase): Promise<Map<string, Expectation>> {
  const r = await c.query<{ endpoint: Endpoint; rows: string; digest: string; source: string; written_at: Date }>(
    'SELECT endpoint, rows::text, digest, source, written_at FROM console.deploy_expectations'
  )
  return new Map(r.rows.map((x) => [x.endpoint, { endpoint: x.endpoint, rows: Number(x.rows), digest: x.digest, source: x.source, writtenAt: x.written_at.toISOString() }]))
}

export async function schemaVersion(c: pg.ClientBase): Promise<number | null> {
  const r = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM console.schema_migrations')
  return r.rows[0]?.v ?? null
}
