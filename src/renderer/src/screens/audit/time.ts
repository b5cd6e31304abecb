/** The user's time zone, and a database time shown in it with UTC beside it. */
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', timeZone: TIME_ZONE })

export function localTime(iso: string): string {
  return local.format(new Date(iso))
}

export function utcTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.(\d{3})\d*Z$/, '.$1 UTC').replace(/Z$/, ' UTC')
}

/** A datetime-local input's value (the user's zone) as an ISO instant, or undefined when empty. */
export function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}
