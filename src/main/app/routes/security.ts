import { SECRET_CATALOG } from '../../config/secret-catalog'
import { StackError } from '../../stack/stack-error'
import type { Services } from '../services'
import { api } from '../api'
import { actorOf } from '../auth'

function enterable(name: string): void {
  const entry = SECRET_CATALOG[name]
  if (!entry) throw new StackError('INVALID_REQUEST', `There is no secret named ${name}.`, `Secrets: ${Object.keys(SECRET_CATALOG).filter((k) => !SECRET_CATALOG[k].managed).join(', ')}.`)
  if (entry.managed) throw new StackError('FORBIDDEN', `${name} is generated and managed by the console.`, 'It cannot be entered by hand.')
}

export function listSecrets(s: Services): { name: string; describe: string; set: boolean; managed: boolean }[] {
  return Object.entries(SECRET_CATALOG).map(([name, e]) => ({ name, describe: e.describe, set: Boolean(s.secrets.get(name)), managed: Boolean(e.managed) }))
}

/** Secrets are write-only: set or cleared here, listed as set or not set, never returned. */
export const securityRoutes = {
  secrets: {
    list: api.security.secrets.list.handler(({ context }) => listSecrets(context.services)),
    set: api.security.secrets.set.handler(async ({ input, context }) => {
      enterable(input.name)
      const s = context.services
      const was = Boolean(s.secrets.get(input.name))
      s.secrets.set(input.name, input.value)
      // The trail says that it was set and by whom; never the value, nor anything derived from it.
      await s.audit.record(actorOf(context, context.session), { action: 'secret.set', targetType: 'secret', targetKey: input.name, before: { set: was }, after: { set: true } })
      return { ok: true as const }
    }),
    clear: api.security.secrets.clear.handler(async ({ input, context }) => {
      enterable(input.name)
      const s = context.services
      if (!s.secrets.delete) throw new StackError('INVALID_REQUEST', 'This secret store cannot forget a secret.', 'Set a new value instead.')
      const was = Boolean(s.secrets.get(input.name))
      s.secrets.delete(input.name)
      await s.audit.record(actorOf(context, context.session), { action: 'secret.clear', targetType: 'secret', targetKey: input.name, before: { set: was }, after: { set: false } })
      return { ok: true as const }
    })
  }
}
