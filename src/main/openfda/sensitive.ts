import type { Endpoint } from './endpoints'

/**
 * Fields holding a person's name or phone number. openFDA publishes them, but a local mirror on a
 * laptop should not keep them readable at rest: they are split off the record and stored
 * pgcrypto-encrypted (key in the console's secret store); they are not searchable.
 */
export const SENSITIVE_FIELDS: Partial<Record<Endpoint, RegExp>> = {
  '510k': /^contact$/,
  event: /^manufacturer_contact_(f_name|l_name|t_name|area_code|exchange|extension|phone_number|plocal)$/,
  recall: /^additional_info_contact$/
}

export function splitSensitive(endpoint: Endpoint, record: Record<string, unknown>): { open: Record<string, unknown>; sensitive: Record<string, unknown> | null } {
  const pattern = SENSITIVE_FIELDS[endpoint]
  if (!pattern || !Object.keys(record).some((k) => pattern.test(k))) return { open: record, sensitive: null }
  const open: Record<string, unknown> = {}
  const sensitive: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) (pattern.test(k) ? sensitive : open)[k] = v
  return { open, sensitive: Object.keys(sensitive).length ? sensitive : null }
}

/**
 * pgcrypto options for the sensitive-field key. The key is 32 random bytes from the secret store,
 * not a human password, so iterated key stretching (pgcrypto's default, and most of the cost of a
 * bulk load) buys nothing: plain salted S2K with AES-256.
 */
export const PGP_OPTIONS = 's2k-mode=1, cipher-algo=aes256'
