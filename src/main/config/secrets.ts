import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-file'

/** Where secrets live. Values never reach logs, job events or API outputs. */
export interface SecretStore {
  get(key: string): string | undefined
  set(key: string, value: string): void
  /** Forgets a secret (entered secrets only; managed ones are never removed). */
  delete?(key: string): void
}

/** Secrets in `<home>/secrets.json` with mode 0600 (server mode and CLI; the desktop shares it with the CLI). */
export class FileSecretStore implements SecretStore {
  private readonly file: string
  constructor(home: string) {
    this.file = join(home, 'secrets.json')
  }
  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {}
    chmodSync(this.file, 0o600)
    return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>
  }
  get(key: string): string | undefined {
    return this.read()[key]
  }
  set(key: string, value: string): void {
    writeFileAtomic(this.file, JSON.stringify({ ...this.read(), [key]: value }, null, 2), 0o600)
  }
  delete(key: string): void {
    const { [key]: _gone, ...rest } = this.read()
    writeFileAtomic(this.file, JSON.stringify(rest, null, 2), 0o600)
  }
}

/** A secret that is generated once and kept (e.g. the stack's database password). */
export function ensureSecret(store: SecretStore, key: string): string {
  let value = store.get(key)
  if (!value) {
    value = randomBytes(24).toString('base64url')
    store.set(key, value)
  }
  return value
}
