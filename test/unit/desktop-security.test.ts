import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { OsEncryptedSecretStore, type OsCipher } from '../../src/main/config/encrypted-secrets'
import { FileSecretStore } from '../../src/main/config/secrets'
import { isOpenableExternally } from '../../src/shared/links'
import { tempHome } from '../support/temp-home'

// Electron's safeStorage needs a desktop session; in plain Node an AES key stands in for the OS keychain.
function aesCipher(available = true): OsCipher {
  const key = randomBytes(32)
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(s, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body])
    },
    decryptString: (b) => {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12))
      d.setAuthTag(b.subarray(12, 28))
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8')
    }
  }
}

const t = tempHome()
afterAll(() => t.cleanup())

describe('desktop secret store', () => {
  it('keeps entered secrets encrypted by the OS keychain, generated ones in the shared 0600 file', () => {
    const store = new OsEncryptedSecretStore(t.home, aesCipher(), (k) => k === 'openfda.apiKey')
    new FileSecretStore(t.home).set('openfda.apiKey', 'old-plain-key') // set earlier from the CLI
    store.set('openfda.apiKey', 'k3y-VALUE-never-in-clear')
    store.set('db.appPassword', 'generated-password')
    expect(store.get('openfda.apiKey')).toBe('k3y-VALUE-never-in-clear')
    expect(store.get('db.appPassword')).toBe('generated-password')
    const encrypted = readFileSync(join(t.home, 'secrets.os.json'), 'utf8')
    const plain = readFileSync(join(t.home, 'secrets.json'), 'utf8')
    expect(encrypted).not.toContain('k3y-VALUE')
    expect(plain).not.toContain('k3y-VALUE')
    expect(plain).not.toContain('old-plain-key')
    expect(plain).toContain('generated-password')
    expect(statSync(join(t.home, 'secrets.os.json')).mode & 0o777).toBe(0o600)
    store.delete('openfda.apiKey')
    expect(store.get('openfda.apiKey')).toBeUndefined()
  })

  it('falls back to the file store where no keychain is available', () => {
    const h = tempHome()
    const store = new OsEncryptedSecretStore(h.home, aesCipher(false), () => true)
    store.set('openfda.apiKey', 'abc')
    expect(new FileSecretStore(h.home).get('openfda.apiKey')).toBe('abc')
    h.cleanup()
  })
})

describe('renderer content security policy', () => {
  it('allows no eval and no remote origin', () => {
    const html = readFileSync(join(__dirname, '..', '..', 'src', 'renderer', 'index.html'), 'utf8')
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]
    expect(csp).toContain("default-src 'self'")
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).not.toMatch(/https?:|\*/)
  })
})

describe('external links', () => {
  it('only https pages may open in the system browser', () => {
    expect(isOpenableExternally('https://open.fda.gov/apis/device/')).toBe(true)
    for (const bad of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com', 'not a url', 'vscode://x'])
      expect(isOpenableExternally(bad), bad).toBe(false)
  })
})
