import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-file'
import { FileSecretStore, type SecretStore } from './secrets'

/** What the operating system's keychain offers (Electron's safeStorage on the desktop). */
export interface OsCipher {
  isEncryptionAvailable(): boolean
  encryptString(plain: string): Buffer
  decryptString(encrypted: Buffer): string
}

/**
 * Secrets a person enters (API keys, S3 credentials, OpenPGP keys) encrypted with the operating
 * system's keychain in `<home>/secrets.os.json` (0600); a copy of the file is useless on another
 * machine or account. Secrets the console generates (database passwords) stay in the 0600 file store
 * the command line shares. Without a keychain (e.g. no desktop session) everything uses the file store.
 */
export class OsEncryptedSecretStore implements SecretStore {
  private readonly file: string
  private readonly plain: FileSecretStore

  constructor(
    home: string,
    private readonly cipher: OsCipher,
    /** Which names are entered by people (and so kept encrypted). */
    private readonly entered: (key: string) => boolean
  ) {
    this.file = join(home, 'secrets.os.json')
    this.plain = new FileSecretStore(home)
  }

  private read(): Record<string, string> {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>) : {}
  }

  private encrypted(key: string): boolean {
    return this.entered(key) && this.cipher.isEncryptionAvailable()
  }

  get(key: string): string | undefined {
    if (this.encrypted(key)) {
      const v = this.read()[key]
      if (v !== undefined) return this.cipher.decryptString(Buffer.from(v, 'base64'))
    }
    return this.plain.get(key)
  }

  set(key: string, value: string): void {
    if (!this.encrypted(key)) return this.plain.set(key, value)
    writeFileAtomic(this.file, JSON.stringify({ ...this.read(), [key]: this.cipher.encryptString(value).toString('base64') }, null, 2), 0o600)
    // No readable copy stays behind in the file store.
    if (this.plain.get(key) !== undefined) this.plain.delete(key)
  }

  delete(key: string): void {
    const { [key]: _gone, ...rest } = this.read()
    if (_gone !== undefined) writeFileAtomic(this.file, JSON.stringify(rest, null, 2), 0o600)
    if (this.plain.get(key) !== undefined) this.plain.delete(key)
  }
}
