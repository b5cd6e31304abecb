import { describe, expect, it } from 'vitest'
import { openFromStaging, StagingSealer, stagingKey } from '../../src/main/openfda/sensitive'

describe('sensitive fields while staged', () => {
  it('are sealed (never readable in the staging table) and open again with the same secret only', () => {
    const plain = JSON.stringify({ contact: 'JANE DOE', manufacturer_contact_phone_number: '5551234' })
    const key = stagingKey('secret-from-the-store')
    const sealed = new StagingSealer(key).seal(plain)
    expect(sealed).not.toContain('JANE')
    expect(sealed).toMatch(/^[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/)
    expect(new StagingSealer(key).seal(plain)).not.toBe(sealed) // a fresh IV for each file
    expect(openFromStaging(key, sealed)).toBe(plain)
    let wrong: string | null
    try {
      wrong = openFromStaging(stagingKey('another secret'), sealed)
    } catch {
      wrong = null // almost always: the padding does not check out
    }
    expect(wrong).not.toBe(plain)
  })

  it('sealed in one stream per file, each value still opens on its own, in any order', () => {
    const key = stagingKey('secret-from-the-store')
    const sealer = new StagingSealer(key)
    const plains = ['{"contact":"JANE DOE"}', '', 'x'.repeat(16), '{"contact":"Zoë Ünal"}', 'y'.repeat(100)]
    const sealed = plains.map((p) => sealer.seal(p))
    for (const s of sealed) expect(s).toMatch(/^[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/)
    expect(sealed.join()).not.toContain('JANE')
    for (const i of [4, 2, 0, 3, 1]) expect(openFromStaging(key, sealed[i])).toBe(plains[i])
    // the same text twice seals differently (its IV is the block before it)
    expect(sealer.seal(plains[0]).split(':')[1]).not.toBe(sealed[0].split(':')[1])
  })
})
