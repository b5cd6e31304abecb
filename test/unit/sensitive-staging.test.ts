import { describe, expect, it } from 'vitest'
import { openFromStaging, sealForStaging, stagingKey } from '../../src/main/openfda/sensitive'

describe('sensitive fields while staged', () => {
  it('are sealed (never readable in the staging table) and open again with the same secret only', () => {
    const plain = JSON.stringify({ contact: 'JANE DOE', manufacturer_contact_phone_number: '5551234' })
    const key = stagingKey('secret-from-the-store')
    const sealed = sealForStaging(key, plain)
    expect(sealed).not.toContain('JANE')
    expect(sealed).toMatch(/^[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/)
    expect(sealForStaging(key, plain)).not.toBe(sealed) // a fresh IV each time
    expect(openFromStaging(key, sealed)).toBe(plain)
    let wrong: string | null
    try {
      wrong = openFromStaging(stagingKey('another secret'), sealed)
    } catch {
      wrong = null // almost always: the padding does not check out
    }
    expect(wrong).not.toBe(plain)
  })
})
