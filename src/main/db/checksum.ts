import { createHmac } from 'node:crypto'
import { pyCanonical } from '../importer/python-json'

/**
 * A record's content checksum: HMAC-SHA256 over its canonical JSON (sorted keys, no whitespace,
 * ASCII escapes: Python's json.dumps(sort_keys=True, separators=(',', ':')), the form the earlier
 * tool's cache checksums use), keyed with a secret from the console's secret store, so a copy of
 * the database alone cannot forge checksums that verify.
 */
export function contentChecksum(key: string, record: unknown): string {
  return checksumOfCanonical(key, pyCanonical(record))
}

/** The same, when the canonical text is already at hand (the importer makes it once per record). */
export function checksumOfCanonical(key: string, canonical: string): string {
  return createHmac('sha256', key).update(canonical).digest('hex')
}
