import { createHmac } from 'node:crypto'
import canonicalize from 'canonicalize'

/**
 * A record's content checksum: HMAC-SHA256 over its canonical JSON (RFC 8785: sorted keys, no
 * whitespace, normalised numbers), keyed with a secret from the console's secret store, so a copy of
 * the database alone cannot forge checksums that verify.
 */
export function contentChecksum(key: string, record: unknown): string {
  const canonical = canonicalize(record)
  if (canonical === undefined) throw new Error('record cannot be put in canonical JSON')
  return createHmac('sha256', key).update(canonical).digest('hex')
}
