import { ORPCError } from '@orpc/client'

/** A readable line for any API error, with the fix when the server gave one. */
export function errorText(e: unknown): string {
  if (e instanceof ORPCError) {
    // A 401 that is not one of the contract's errors comes from server mode's launch-token gate.
    if (!e.defined && e.status === 401) return 'Not signed in: open the URL printed by `fda-offline serve` (it carries the access token).'
    const fix = (e.data as { fix?: string } | undefined)?.fix
    return fix ? `${e.message} — ${fix}` : e.message
  }
  return e instanceof Error ? e.message : String(e)
}
