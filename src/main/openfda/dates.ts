/**
 * openFDA dates come as YYYY-MM-DD (510(k), PMA, recall, UDI), YYYYMMDD (events, enforcement) and,
 * in MAUDE, odd forms such as MM/DD/YYYY. Returns ISO YYYY-MM-DD for a real calendar date, else null
 * (the raw text is always kept beside the parsed value).
 */
export function parseOpenFdaDate(raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const s = raw.trim()
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  if (m) return valid(+m[1], +m[2], +m[3])
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s)
  if (m) return valid(+m[3], +m[1], +m[2])
  m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s)
  if (m) return valid(+m[1], +m[2], +m[3])
  return null
}

function valid(y: number, mo: number, d: number): string | null {
  if (y < 1800 || y > 2200 || mo < 1 || mo > 12 || d < 1) return null
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate()
  if (d > days) return null
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}
