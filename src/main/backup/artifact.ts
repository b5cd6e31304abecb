import { createHash } from 'node:crypto'
import { PassThrough, Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Artifact } from '../../shared/schemas/backup'
import type { Destination } from './destination'
import { decryptStream, encryptStream } from './pgp'

/** Counts and hashes bytes on their way through. */
export class HashTap extends Transform {
  readonly hash = createHash('sha256')
  bytes = 0
  constructor(private readonly onBytes?: (n: number) => void) {
    super({ highWaterMark: 1 << 20 })
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null, c?: Buffer) => void): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    this.onBytes?.(this.bytes)
    cb(null, chunk)
  }
  digest(): string {
    return this.hash.digest('hex')
  }
}

/**
 * Stores one artifact: compressed plaintext → SHA-256 → OpenPGP encryption → SHA-256 → destination,
 * all streamed (nothing is written to a temporary file). Returns its manifest entry.
 */
export async function storeArtifact(
  dest: Destination, key: string, role: string, compression: Artifact['compression'], plain: Readable, recipients: string[],
  onBytes?: (plainBytes: number) => void
): Promise<Artifact> {
  const plainTap = new HashTap(onBytes)
  const storedTap = new HashTap()
  const feeding = pipeline(plain, plainTap)
  const encrypted = await encryptStream(plainTap, recipients)
  const storing = dest.put(key, encrypted.pipe(storedTap))
  encrypted.on('error', (e) => storedTap.destroy(e))
  await Promise.all([feeding, storing])
  return {
    key, role, compression, encrypted: 'openpgp',
    plainBytes: plainTap.bytes, storedBytes: storedTap.bytes, sha256Plain: plainTap.digest(), sha256Stored: storedTap.digest()
  }
}

export class ArtifactCorruptError extends Error {}

/**
 * Reads one artifact back: checks the stored object's SHA-256 while decrypting, and the
 * plaintext's SHA-256 at the end; the returned stream fails naming the artifact when either differs.
 */
export async function openArtifact(dest: Destination, a: Artifact, privateKey: { armored: string; passphrase?: string }): Promise<Readable> {
  const storedTap = new HashTap()
  const source = await dest.get(a.key)
  source.on('error', (e) => storedTap.destroy(e))
  source.pipe(storedTap)
  let plain: Readable
  try {
    plain = await decryptStream(storedTap, privateKey.armored, privateKey.passphrase)
  } catch (e) {
    throw new ArtifactCorruptError(`artifact ${a.key} cannot be decrypted: ${(e as Error).message}`)
  }
  const plainTap = new HashTap()
  const out = new PassThrough({ highWaterMark: 1 << 20 })
  const fail = (why: string) => out.destroy(new ArtifactCorruptError(`artifact ${a.key} ${why}`))
  plain.on('error', (e) => fail(`cannot be decrypted: ${e.message}`))
  plainTap.on('end', () => {
    const stored = storedTap.digest()
    const p = plainTap.digest()
    if (stored !== a.sha256Stored) return fail(`is corrupt: SHA-256 of the stored object is ${stored}, the manifest says ${a.sha256Stored}`)
    if (p !== a.sha256Plain) return fail(`is corrupt: SHA-256 after decryption is ${p}, the manifest says ${a.sha256Plain}`)
  })
  plain.pipe(plainTap)
  plainTap.on('data', (c: Buffer) => {
    if (!out.write(c)) plainTap.pause()
  })
  out.on('drain', () => plainTap.resume())
  plainTap.on('end', () => setImmediate(() => { if (!out.destroyed) out.end() }))
  return out
}

/** The stored object's SHA-256 only (no key needed): what `verify` checks first, naming the artifact. */
export async function checkStoredHash(dest: Destination, a: Artifact): Promise<{ ok: boolean; actual: string; bytes: number }> {
  const tap = new HashTap()
  await pipeline(await dest.get(a.key), tap, new PassThrough().resume())
  const actual = tap.digest()
  return { ok: actual === a.sha256Stored && tap.bytes === a.storedBytes, actual, bytes: tap.bytes }
}
