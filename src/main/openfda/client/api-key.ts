import type { SecretStore } from '../../config/secrets'

/** Where the openFDA API key is kept in the console's secret store (`<home>/secrets.json`, mode 0600). */
export const API_KEY_SECRET = 'openfda.apiKey'

/** The key from the secret store, else OPENFDA_API_KEY, else none (openFDA then allows 1,000 requests a day). */
export function resolveApiKey(secrets: SecretStore | null): string | undefined {
  const stored = secrets?.get(API_KEY_SECRET)
  if (stored && stored.trim()) return stored.trim()
  const env = process.env.OPENFDA_API_KEY
  return env && env.trim() ? env.trim() : undefined
}

/**
 * Removes a key from any text that leaves the client (errors, logs, job history, audit): the
 * literal value and any api_key=… query parameter, whatever its value.
 */
export function redact(text: string, key: string | undefined): string {
  let out = text.replace(/([?&]api_key=)[^&#\s"']*/gi, '$1***')
  if (key) out = out.split(key).join('***')
  if (key) out = out.split(encodeURIComponent(key)).join('***')
  return out
}
