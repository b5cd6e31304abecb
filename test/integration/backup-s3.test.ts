import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openArtifact, storeArtifact } from '../../src/main/backup/artifact'
import { S3Destination } from '../../src/main/backup/destination'
import { generateRecipient } from '../../src/main/backup/pgp'

/** A real S3-compatible server (s3rver, file-backed, with multipart) on 127.0.0.1:60395 (this capability's block). */
const PORT = 60395
const dir = mkdtempSync(join(tmpdir(), 'fda-s3rver-'))
const server = new S3rver({ port: PORT, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'fda-backups', configs: [] }] })
const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
const cfg = { kind: 's3' as const, endpoint: `http://127.0.0.1:${PORT}`, bucket: 'fda-backups', prefix: 'site-a/', region: 'us-east-1', forcePathStyle: true, compatible: true, partSizeMb: 5 }

beforeAll(async () => {
  await server.run()
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('S3-compatible destination', () => {
  it('round-trips a multi-part encrypted artifact, byte for byte', async () => {
    const dest = new S3Destination(cfg, creds)
    await dest.check()
    const keys = await generateRecipient('S3 Test', 's3@example.invalid')
    // 23 MiB of incompressible data in 1 MiB chunks: five parts of 5 MiB.
    const chunks = Array.from({ length: 23 }, () => randomBytes(1 << 20))
    const original = createHash('sha256')
    for (const c of chunks) original.update(c)
    const a = await storeArtifact(dest, 'backups/test-1/blob.bin.gpg', 'blob', 'zstd', Readable.from(chunks), [keys.publicKey])
    expect(a.plainBytes).toBe(23 << 20)
    expect(a.sha256Plain).toBe(original.digest('hex'))
    const listed = await dest.list('backups/')
    expect(listed).toEqual([{ key: 'backups/test-1/blob.bin.gpg', size: a.storedBytes }])
    // Uploaded in five parts of 5 MiB and completed as one object under the prefix.
    expect(dest.lastUploadParts).toBe(5)
    const raw = new S3Client({ endpoint: cfg.endpoint, region: cfg.region, forcePathStyle: true, credentials: creds })
    const head = await raw.send(new HeadObjectCommand({ Bucket: cfg.bucket, Key: 'site-a/backups/test-1/blob.bin.gpg' }))
    expect(head.ContentLength).toBe(a.storedBytes)
    const back = await openArtifact(dest, a, { armored: keys.privateKey })
    const h = createHash('sha256')
    for await (const c of back) h.update(c as Buffer)
    expect(h.digest('hex')).toBe(a.sha256Plain)
    await dest.delete(a.key)
    expect(await dest.list('backups/')).toEqual([])
    raw.destroy()
    dest.destroy()
  }, 60_000)

  it('wrong credentials fail the destination check before anything is stored', async () => {
    const dest = new S3Destination({ ...cfg, bucket: 'no-such-bucket' }, creds)
    await expect(dest.check()).rejects.toThrow()
    dest.destroy()
  })
})
