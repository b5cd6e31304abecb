import { createCipheriv, createDecipheriv, createHmac, randomBytes, type Cipher } from 'node:crypto'
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

/**
 * While a streamed import file is staged (before its write encrypts them with pgcrypto), its
 * sensitive fields sit in a temporary table: sealed there too, with AES-256-CBC under a key derived
 * from the secret store's key, in a form pgcrypto's decrypt_iv opens inside that write
 * (stagingOpenSql). Cache files skip this: their fields travel as bind parameters.
 */
export function stagingKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('fda.import-staging.v1').digest()
}

/**
 * Seals many values in one AES-256-CBC stream (one file's worth): each value is padded to whole
 * blocks on its own, so its ciphertext opens alone, with the block before it as its IV (CBC's own
 * chaining). Each value reads "iv:ciphertext" (base64), at a fraction of the cost of a cipher per value.
 */
export class StagingSealer {
  private readonly cipher: Cipher
  private iv: Buffer

  constructor(key: Buffer) {
    this.iv = randomBytes(16)
    this.cipher = createCipheriv('aes-256-cbc', key, this.iv).setAutoPadding(false)
  }

  seal(plain: string): string {
    const data = Buffer.from(plain, 'utf8')
    const pad = 16 - (data.length % 16) // PKCS#7, as decrypt_iv's pad:pkcs expects
    const sealed = this.cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)]))
    const out = `${this.iv.toString('base64')}:${sealed.toString('base64')}`
    this.iv = sealed.subarray(sealed.length - 16)
    return out
  }
}

export function openFromStaging(key: Buffer, sealed: string): string {
  const [iv, body] = sealed.split(':')
  const d = createDecipheriv('aes-256-cbc', key, Buffer.from(iv, 'base64'))
  return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]).toString('utf8')
}

/** SQL opening a sealed staging value held in `col`, with the staging key as the bytea parameter `keyParam`. */
export const stagingOpenSql = (col: string, keyParam: string): string =>
  `convert_from(decrypt_iv(decode(split_part(${col}, ':', 2), 'base64'), ${keyParam}::bytea, decode(split_part(${col}, ':', 1), 'base64'), 'aes-cbc/pad:pkcs'), 'UTF8')`
