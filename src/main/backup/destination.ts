import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { DestinationConfig } from '../../shared/schemas/backup'

/** Where artifacts and manifests are kept: a local directory or an S3-compatible bucket. Keys use '/'. */
export interface Destination {
  readonly describe: string
  /** Writes a stream under key (atomically: a reader never sees half an object). */
  put(key: string, body: Readable, size?: number): Promise<void>
  get(key: string): Promise<Readable>
  /** Keys under a prefix, with their sizes. */
  list(prefix: string): Promise<{ key: string; size: number }[]>
  delete(key: string): Promise<void>
  check(): Promise<void>
}

const safeKey = (key: string): string => {
  if (!/^[A-Za-z0-9._\-/]+$/.test(key) || key.split('/').some((p) => p === '..' || p === '')) throw new Error(`invalid object key ${key}`)
  return key
}

export class LocalDestination implements Destination {
  constructor(private readonly root: string) {}
  get describe(): string {
    return `local directory ${this.root}`
  }
  private path(key: string): string {
    return join(this.root, ...safeKey(key).split('/'))
  }
  async put(key: string, body: Readable): Promise<void> {
    const path = this.path(key)
    await mkdir(dirname(path), { recursive: true })
    const partial = `${path}.partial`
    try {
      await pipeline(body, createWriteStream(partial, { mode: 0o600 }))
      await rename(partial, path)
    } catch (e) {
      await rm(partial, { force: true })
      throw e
    }
  }
  async get(key: string): Promise<Readable> {
    const path = this.path(key)
    if (!existsSync(path)) throw new Error(`${key} is missing from ${this.describe}`)
    return createReadStream(path, { highWaterMark: 1 << 20 })
  }
  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = []
    const walk = async (dir: string): Promise<void> => {
      if (!existsSync(dir)) return
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        if (e.isDirectory()) await walk(p)
        else if (!e.name.endsWith('.partial')) out.push({ key: relative(this.root, p).split(sep).join('/'), size: (await stat(p)).size })
      }
    }
    await walk(this.root)
    return out.filter((o) => o.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key))
  }
  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true })
  }
  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true })
  }
}

export interface S3Credentials {
  accessKeyId: string
  secretAccessKey: string
}

/**
 * S3 and S3-compatible stores (MinIO, Ceph, R2, s3rver). `compatible` sends checksums only when an
 * operation requires them: SDK ≥ 3.729 sends CRC32 on every upload by default, which many
 * S3-compatible servers reject (aws-sdk-js-v3#6810).
 */
export class S3Destination implements Destination {
  private readonly client: S3Client
  /** Parts the last upload used (1 for a single PUT): for progress and tests. */
  lastUploadParts = 0
  constructor(private readonly cfg: Extract<DestinationConfig, { kind: 's3' }>, creds: S3Credentials) {
    this.client = new S3Client({
      endpoint: cfg.endpoint ?? undefined,
      region: cfg.region,
      forcePathStyle: cfg.forcePathStyle,
      credentials: creds,
      requestChecksumCalculation: cfg.compatible ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: cfg.compatible ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED'
    })
  }
  get describe(): string {
    return `s3://${this.cfg.bucket}/${this.cfg.prefix}${this.cfg.endpoint ? ` at ${this.cfg.endpoint}` : ''}`
  }
  private key(key: string): string {
    return `${this.cfg.prefix}${safeKey(key)}`
  }
  async put(key: string, body: Readable): Promise<void> {
    // Multipart: parts of partSizeMb are uploaded as the stream produces them; an object appears only on completion.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.cfg.bucket, Key: this.key(key), Body: body },
      partSize: this.cfg.partSizeMb * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false
    })
    let parts = 0
    upload.on('httpUploadProgress', (p) => (parts = Math.max(parts, p.part ?? 1)))
    await upload.done()
    this.lastUploadParts = parts
  }
  async get(key: string): Promise<Readable> {
    const r = await this.client.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(key) }))
    return r.Body as Readable
  }
  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = []
    let token: string | undefined
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: this.cfg.prefix + prefix, ContinuationToken: token }))
      for (const o of r.Contents ?? []) if (o.Key) out.push({ key: o.Key.slice(this.cfg.prefix.length), size: Number(o.Size ?? 0) })
      token = r.IsTruncated ? r.NextContinuationToken : undefined
    } while (token)
    return out.sort((a, b) => a.key.localeCompare(b.key))
  }
  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(key) }))
  }
  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.cfg.bucket }))
  }
  destroy(): void {
    this.client.destroy()
  }
}
