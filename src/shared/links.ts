/** Only web pages leave the console, and only to the system browser: never file:, javascript:, custom schemes or embedded credentials. */
export function isOpenableExternally(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' && u.username === '' && u.password === ''
  } catch {
    return false
  }
}
