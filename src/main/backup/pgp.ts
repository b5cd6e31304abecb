import { Readable } from 'node:stream'
import type { ReadableStream as WebReadable } from 'node:stream/web'
import * as openpgp from 'openpgp'

/**
 * OpenPGP (RFC 4880 / 9580 v4 keys, SEIPD v1) through openpgp.js, so standard `gpg --decrypt`
 * reads every artifact. Artifacts are already compressed, so OpenPGP compression stays off.
 */
const CONFIG = { preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed, aeadProtect: false, v6Keys: false }

export interface KeyInfo {
  fingerprint: string
  userIds: string[]
  created: string
}

export async function describePublicKey(armored: string): Promise<KeyInfo> {
  const key = await openpgp.readKey({ armoredKey: armored })
  return { fingerprint: key.getFingerprint().toUpperCase(), userIds: key.getUserIDs(), created: key.getCreationTime().toISOString() }
}

/** A new recipient key pair (curve25519, as gpg ≥ 2.1 reads it); the private key is armored and unprotected. */
export async function generateRecipient(name: string, email: string): Promise<{ publicKey: string; privateKey: string; fingerprint: string }> {
  const { publicKey, privateKey } = await openpgp.generateKey({
    type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name, email }], format: 'armored', config: { v6Keys: false }
  })
  const info = await describePublicKey(publicKey)
  return { publicKey, privateKey, fingerprint: info.fingerprint }
}

/** The public half of an armored private key. */
export async function publicOf(privateArmored: string): Promise<string> {
  return (await openpgp.readPrivateKey({ armoredKey: privateArmored })).toPublic().armor()
}

/** Encrypts a byte stream to every recipient; the result is a binary OpenPGP message, streamed. */
export async function encryptStream(input: Readable, recipientsArmored: string[]): Promise<Readable> {
  if (recipientsArmored.length === 0) throw new Error('no OpenPGP recipient is configured')
  const encryptionKeys = await Promise.all(recipientsArmored.map((k) => openpgp.readKey({ armoredKey: k })))
  const message = await openpgp.createMessage({ binary: Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>, format: 'binary' })
  const out = await openpgp.encrypt({ message, encryptionKeys, format: 'binary', config: CONFIG })
  return Readable.fromWeb(out as unknown as WebReadable<Uint8Array>)
}

/** Decrypts a binary OpenPGP message with the private key, streamed; fails when the key is not a recipient. */
export async function decryptStream(input: Readable, privateKeyArmored: string, passphrase?: string): Promise<Readable> {
  let privateKey = await openpgp.readPrivateKey({ armoredKey: privateKeyArmored })
  if (!privateKey.isDecrypted()) {
    if (!passphrase) throw new Error('the backup private key is protected by a passphrase; store it as backup.privateKeyPassphrase')
    privateKey = await openpgp.decryptKey({ privateKey, passphrase })
  }
  const message = await openpgp.readMessage({ binaryMessage: Readable.toWeb(input) as unknown as ReadableStream<Uint8Array> })
  const { data } = await openpgp.decrypt({ message, decryptionKeys: privateKey, format: 'binary', // Streamed: the integrity check (MDC) fails the stream at its end, and callers also check the
  // plaintext's SHA-256 from the manifest before trusting what they read.
  config: { allowUnauthenticatedStream: true } })
  return Readable.fromWeb(data as unknown as WebReadable<Uint8Array>)
}
