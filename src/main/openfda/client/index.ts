import { join } from 'node:path'
import type { SecretStore } from '../../config/secrets'
import type { Settings } from '../../config/settings'
import { resolveApiKey } from './api-key'
import { OpenFdaClient, type OpenFdaClientOptions } from './openfda-client'
import { FileRateLimiter } from './rate-limiter'

export { OpenFdaClient, OpenFdaUnavailableError } from './openfda-client'
export { FileRateLimiter, DailyQuotaExceededError } from './rate-limiter'

/** The file every console process on this machine takes its openFDA request slots from. */
export const rateLimitFile = (home: string): string => join(home, 'openfda', 'rate-limit.json')

/** The console's client: base URL, timeout and retries from settings; key from the secret store or OPENFDA_API_KEY. */
export function createOpenFdaClient(s: { home: string; settings: Settings; secrets: SecretStore | null }, overrides: Partial<OpenFdaClientOptions> = {}): OpenFdaClient {
  const o = s.settings.openfda
  return new OpenFdaClient({
    baseUrl: o.baseUrl,
    apiKey: resolveApiKey(s.secrets),
    limiter: new FileRateLimiter(rateLimitFile(s.home)),
    timeoutMs: o.timeoutSeconds * 1000,
    retries: o.retries,
    ...overrides
  })
}
