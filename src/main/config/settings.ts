import { existsSync, readFileSync } from 'node:fs'
import { totalmem } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from './atomic-file'

const Port = z.number().int().min(1024).max(65535)

/** Defaults avoid 5432 and 6432 so a user's own PostgreSQL and PgBouncer are never disturbed. */
export const Settings = z.object({
  stackName: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes').default('fda'),
  ports: z
    .object({ blue: Port.default(54320), green: Port.default(54321), pgbouncer: Port.default(64320), api: Port.default(64321) })
    .prefault({}),
  /** Memory PostgreSQL may plan for, per color; by default a quarter of the host, between 256 MiB and 8 GiB. */
  pgMemoryMb: z.number().int().min(128).optional(),
  /** How to build the image when it is missing: from Debian packages offline, from the Dockerfile online, or decide. */
  imageSource: z.enum(['auto', 'debootstrap', 'dockerfile']).default('auto'),
  debianMirror: z.string().url().default('http://deb.debian.org/debian'),
  /** TLS inside the stack: off, prefer (clients may still connect without), require (PgBouncer refuses plain clients). */
  tls: z.enum(['off', 'prefer', 'require']).default('prefer'),
  /** Seconds a container may take to pass its health check. */
  healthTimeoutSeconds: z.number().int().min(5).max(900).default(120),
  /** Where the console asks openFDA (the API, its download manifest) and how patiently: see docs/REFRESH.md. */
  openfda: z
    .object({
      baseUrl: z.string().url().default('https://api.fda.gov'),
      /** openFDA's list of bulk files; default `<baseUrl>/download.json`. */
      downloadManifestUrl: z.string().url().optional(),
      timeoutSeconds: z.number().int().min(1).max(600).default(30),
      retries: z.number().int().min(0).max(20).default(5),
      /** The read path's JSON cache folder; default `<home>/openfda/cache`. */
      cacheDir: z.string().optional()
    })
    .prefault({}),
  /** The openFDA-compatible local API (docs/LOCAL-API.md): key required?, started by `serve` and the desktop app? */
  localApi: z.object({ requireKey: z.boolean().default(false), autoStart: z.boolean().default(true) }).prefault({})
})
export type Settings = z.infer<typeof Settings>

const ENV_PORTS = { blue: 'FDA_BLUE_PORT', green: 'FDA_GREEN_PORT', pgbouncer: 'FDA_PGBOUNCER_PORT', api: 'FDA_API_PORT' } as const

export function defaultPgMemoryMb(): number {
  const quarter = Math.floor(totalmem() / 4 / 1024 / 1024)
  return Math.max(256, Math.min(8192, quarter))
}

/** Reads settings.json (creating it with defaults), then applies FDA_*_PORT and FDA_STACK_NAME overrides. */
export function loadSettings(home: string): Settings {
  const file = join(home, 'settings.json')
  let raw: unknown = {}
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'))
    } catch (e) {
      throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix or delete it`)
    }
  }
  const parsed = Settings.safeParse(raw)
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    throw new Error(`${file} has invalid settings: ${where}`)
  }
  const settings = parsed.data
  if (!existsSync(file)) writeFileAtomic(file, JSON.stringify(settings, null, 2) + '\n')
  for (const [role, envName] of Object.entries(ENV_PORTS) as [keyof Settings['ports'], string][]) {
    const v = process.env[envName]
    if (v) settings.ports[role] = Port.parse(Number(v))
  }
  if (process.env.FDA_STACK_NAME) settings.stackName = Settings.shape.stackName.parse(process.env.FDA_STACK_NAME)
  return settings
}
