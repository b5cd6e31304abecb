import { z } from 'zod'
import { base, Ok } from '../contract-base'

/** Names of secrets the console knows; values are write-only (never returned by any procedure). */
export const SecretName = z.string().regex(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)+$/, 'a secret name such as openfda.apiKey').max(100)

export const SecretInfo = z.object({
  name: z.string(),
  describe: z.string(),
  /** Set or not: the value itself is never shown. */
  set: z.boolean(),
  /** Generated and managed by the console (database passwords, keys): shown, not entered. */
  managed: z.boolean()
})

export const securityContract = {
  secrets: {
    list: base.meta({ role: 'admin' }).output(z.array(SecretInfo)),
    /** Stores a secret. The value never comes back; the trail records that it was set, not what it is. */
    set: base.meta({ role: 'admin' }).input(z.object({ name: SecretName, value: z.string().min(1).max(16_384) }).strict()).output(Ok),
    clear: base.meta({ role: 'admin' }).input(z.object({ name: SecretName }).strict()).output(Ok)
  }
}
