import { safeStorage } from 'electron'
import { SECRET_CATALOG } from '../config/secret-catalog'
import { OsEncryptedSecretStore } from '../config/encrypted-secrets'

/** The desktop's secret store: entered secrets encrypted with Electron's safeStorage (the OS keychain). */
export function desktopSecretStore(home: string): OsEncryptedSecretStore {
  const cipher = {
    // On Linux without a keyring safeStorage falls back to a fixed key ("basic_text"): no better than the 0600 file.
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encryptString: (s: string) => safeStorage.encryptString(s),
    decryptString: (b: Buffer) => safeStorage.decryptString(b)
  }
  return new OsEncryptedSecretStore(home, cipher, (key) => Boolean(SECRET_CATALOG[key] && !SECRET_CATALOG[key].managed))
}
