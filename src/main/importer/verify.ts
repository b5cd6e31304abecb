import type { Services } from '../app/services'
import { contentChecksum } from '../db/checksum'
import { ENDPOINT_DEFS, ENDPOINTS, type Endpoint } from '../openfda/endpoints'

export interface EndpointVerification {
  endpoint: Endpoint
  /** distinct keys accepted from the input */
  expected: number
  /** older copies of those keys in other files (or earlier in the same file), not loaded */
  superseded: number
  /** of those, rows in the table holding exactly the winning copy (same checksum) */
  present: number
  /** rows whose stored content no longer matches its checksum, among those re-computed */
  checksumMismatches: number
  recomputed: number
  sampled: boolean
  missingKeys: string[]
  ok: boolean
}

/**
 * Every row's stored checksum is compared with the one made from the input, for every row. On top
 * of that, checksums are re-computed from what the table holds (decrypted, read back, canonical
 * form, HMAC): for every row up to this many per endpoint, above it for a uniform random sample of
 * this size. A sample of 20,000 finds a corruption rate of 0.023% with 99% confidence
 * (1 - (1 - p)^n >= 0.99) and takes about 2 s per endpoint; re-computing all rows of a million-record
 * import took 100 µs a row, as long as half the import itself.
 */
export const FULL_RECOMPUTE_LIMIT = 20_000

/** Per endpoint: keys expected vs rows present with the winning checksum, and checksums re-computed. */
export async function verifyRun(s: Services, runId: string, log: (m: string) => void): Promise<EndpointVerification[]> {
  const endpoints = (await s.db.bulk().query<{ endpoint: Endpoint }>('SELECT DISTINCT endpoint FROM console.import_keys WHERE run_id = $1', [runId])).rows.map((r) => r.endpoint)
  const queue = ENDPOINTS.filter((e) => endpoints.includes(e))
  const done = new Map<Endpoint, EndpointVerification>()
  // Two endpoints at a time (the bulk pool's two connections): while PostgreSQL decrypts and sends
  // one batch, this thread re-computes another's checksums.
  const lane = async () => {
    for (let e = queue.shift(); e; e = queue.shift()) done.set(e, await verifyEndpoint(s, runId, e, log))
  }
  await Promise.all([lane(), lane()])
  return ENDPOINTS.filter((e) => done.has(e)).map((e) => done.get(e)!)
}

async function verifyEndpoint(s: Services, runId: string, endpoint: Endpoint, log: (m: string) => void): Promise<EndpointVerification> {
  const def = ENDPOINT_DEFS[endpoint]
  const table = `openfda.${def.table}`
  const join = def.keyColumns.map((k) => `t.${k} = w.key ->> '${k}'`).join(' AND ')
  const v = await s.db.transaction(async (c) => {
    // One transaction: the temporary table stays on this server connection even through PgBouncer.
    await c.query(
      // The winning copy of each key: the first file loaded (newest cached), its last copy in that file.
      `CREATE TEMP TABLE w ON COMMIT DROP AS SELECT DISTINCT ON (key_text) key_text, key, checksum FROM console.import_keys
        WHERE run_id = $1 AND endpoint = $2 ORDER BY key_text, load_order, ord DESC`, [runId, endpoint]
    )
    const counts = await c.query<{ copies: string; expected: string; present: string }>(
      `SELECT (SELECT count(*) FROM console.import_keys WHERE run_id = $1 AND endpoint = $2) AS copies, (SELECT count(*) FROM w) AS expected,
              (SELECT count(*) FROM w JOIN ${table} t ON ${join} AND t.checksum = w.checksum) AS present`, [runId, endpoint]
    )
    const expected = Number(counts.rows[0].expected)
    const present = Number(counts.rows[0].present)
    const missing = present < expected
      ? (await c.query<{ key_text: string }>(`SELECT w.key_text FROM w LEFT JOIN ${table} t ON ${join} AND t.checksum = w.checksum WHERE t.checksum IS NULL ORDER BY 1 LIMIT 20`)).rows.map((r) => r.key_text)
      : []
    const sampled = expected > FULL_RECOMPUTE_LIMIT
    await c.query(`CREATE TEMP TABLE v ON COMMIT DROP AS SELECT key_text, key FROM w ${sampled ? `ORDER BY random() LIMIT ${FULL_RECOMPUTE_LIMIT}` : ''}`)
    await c.query('CREATE INDEX ON v (key_text)')
    const key = s.db.checksumKey()
    // In batches, so memory stays flat however large the import; the next batch is fetched (and
    // decrypted by PostgreSQL) while this one is re-computed here.
    const batch = (after: string) =>
      c.query<{ key_text: string; full: Record<string, unknown>; checksum: string }>(
        `SELECT v.key_text, t.record || coalesce(pgp_sym_decrypt(t.sensitive, $1)::jsonb, '{}') AS full, t.checksum
           FROM v JOIN ${table} t ON ${join.replace(/w\./g, 'v.')} WHERE v.key_text > $2 ORDER BY v.key_text LIMIT 2000`,
        [key, after]
      )
    let mismatches = 0
    let recomputed = 0
    for (let next = batch(''); ; ) {
      const rows = (await next).rows
      if (!rows.length) break
      next = batch(rows[rows.length - 1].key_text)
      for (const r of rows) if (contentChecksum(key, r.full) !== r.checksum) mismatches++
      recomputed += rows.length
    }
    return { endpoint, expected, superseded: Number(counts.rows[0].copies) - expected, present, checksumMismatches: mismatches, recomputed, sampled, missingKeys: missing, ok: present === expected && mismatches === 0 }
  }, s.db.bulk())
  log(`${endpoint}: ${v.present}/${v.expected} keys with the expected content, ${v.recomputed} checksums re-computed${v.sampled ? ' (sample)' : ''}, ${v.checksumMismatches} mismatches`)
  return v
}
