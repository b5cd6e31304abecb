import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BackupConfig, DrillResult } from '../../shared/schemas/backup'
import { writeFileAtomic } from '../config/atomic-file'
import type { SecretStore } from '../config/secrets'
import { LocalDestination, S3Destination, type Destination } from './destination'
import { generateRecipient, publicOf } from './pgp'

export const PRIVATE_KEY_SECRET = 'backup.privateKey'
export const PRIVATE_KEY_PASSPHRASE_SECRET = 'backup.privateKeyPassphrase'
export const S3_ACCESS_KEY_SECRET = 'backup.s3.accessKeyId'
export const S3_SECRET_KEY_SECRET = 'backup.s3.secretAccessKey'

interface LocalState {
  verified: Record<string, { ok: boolean; at: string; detail: string }>
  drills: DrillResult[]
}

/**
 * Backup configuration (`<home>/backup/config.json`) and local evidence (`<home>/backup/state.json`:
 * verification results and drill results). Manifests live with the artifacts at the destination;
 * secrets (private key, S3 credentials) live in the secret store.
 */
export class BackupStore {
  readonly dir: string
  constructor(readonly home: string, private readonly secrets: SecretStore) {
    this.dir = join(home, 'backup')
    mkdirSync(this.dir, { recursive: true })
  }

  /** Manifests already read from the destination (they never change once written). */
  get manifestCache(): string {
    return join(this.dir, 'manifest-cache')
  }

  config(): BackupConfig {
    const file = join(this.dir, 'config.json')
    if (!existsSync(file)) return BackupConfig.parse({})
    const parsed = BackupConfig.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    if (!parsed.success) throw new Error(`${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    return parsed.data
  }

  saveConfig(cfg: BackupConfig): void {
    writeFileAtomic(join(this.dir, 'config.json'), JSON.stringify(BackupConfig.parse(cfg), null, 2) + '\n')
  }

  /** The default destination is `<home>/backups`, so a fresh console backs up without set-up. */
  destination(): Destination {
    const d = this.config().destination
    if (!d || d.kind === 'local') return new LocalDestination(d?.path ?? join(this.home, 'backups'))
    const accessKeyId = this.secrets.get(S3_ACCESS_KEY_SECRET)
    const secretAccessKey = this.secrets.get(S3_SECRET_KEY_SECRET)
    if (!accessKeyId || !secretAccessKey) throw new Error(`S3 credentials are missing: store ${S3_ACCESS_KEY_SECRET} and ${S3_SECRET_KEY_SECRET} (fda-offline backup destination s3 …)`)
    return new S3Destination(d, { accessKeyId, secretAccessKey })
  }

  setSecret(key: string, value: string): void {
    this.secrets.set(key, value)
  }

  privateKey(): { armored: string; passphrase?: string } {
    const armored = this.secrets.get(PRIVATE_KEY_SECRET)
    if (!armored) throw new Error(`no backup private key on this machine (secret ${PRIVATE_KEY_SECRET}); import it with \`fda-offline backup key import FILE\``)
    return { armored, passphrase: this.secrets.get(PRIVATE_KEY_PASSPHRASE_SECRET) }
  }

  /**
   * Recipients: the console's own key (made on first use, private key in the secret store, so it can
   * verify and drill), plus every configured recipient (keys held off this machine).
   */
  async recipients(): Promise<string[]> {
    let armored = this.secrets.get(PRIVATE_KEY_SECRET)
    if (!armored) {
      armored = (await generateRecipient('FDA Offline Console backups', 'backups@fda-offline.invalid')).privateKey
      this.secrets.set(PRIVATE_KEY_SECRET, armored)
    }
    return [await publicOf(armored), ...this.config().recipients]
  }

  private state(): LocalState {
    const file = join(this.dir, 'state.json')
    if (!existsSync(file)) return { verified: {}, drills: [] }
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as LocalState
    } catch {
      return { verified: {}, drills: [] }
    }
  }
  private saveState(s: LocalState): void {
    writeFileAtomic(join(this.dir, 'state.json'), JSON.stringify(s, null, 1))
  }
  verification(id: string): LocalState['verified'][string] | null {
    return this.state().verified[id] ?? null
  }
  recordVerification(id: string, v: { ok: boolean; at: string; detail: string }): void {
    const s = this.state()
    s.verified[id] = v
    this.saveState(s)
  }
  drills(): DrillResult[] {
    return this.state().drills
  }
  recordDrill(d: DrillResult): void {
    const s = this.state()
    s.drills.push(d)
    s.drills = s.drills.slice(-1000)
    this.saveState(s)
  }
}
