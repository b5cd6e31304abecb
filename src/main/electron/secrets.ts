import { safeStorage } from 'electron'
import { SECRET_CATALOG } from '../config/secret-catalog'
import { OsEncryptedSecretStore } from '../config/encrypted-secrets'

/** The desktop's secret store: entered secrets encrypted with Electron's safeStorage (the OS keychain). */
export function desktopSecretStore(home: string): OsEncryptedSecretStore {
  return new OsEncryptedSecretStore(home, safeStorage, (key) => Boolean(SECRET_CATALOG[key] && !SECRET_CATALOG[key].managed))
}
