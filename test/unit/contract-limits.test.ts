import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { contract } from '../../src/shared/contract'
import { procedurePaths } from '../support/procedures'

type Json = Record<string, unknown>

/** Every string, array and record in an input schema, with where it is and why it is unbounded. */
function unbounded(node: unknown, at: string, out: string[]): void {
  if (typeof node !== 'object' || node === null) return
  const n = node as Json
  if (n.type === 'string' && n.maxLength === undefined && n.enum === undefined && n.const === undefined && n.format !== 'date-time') out.push(`${at}: string without a maximum length`)
  if (n.type === 'array' && n.maxItems === undefined && !Array.isArray(n.prefixItems)) out.push(`${at}: array without a maximum size`)
  for (const [k, v] of Object.entries(n)) {
    if (Array.isArray(v)) v.forEach((x, i) => unbounded(x, `${at}.${k}[${i}]`, out))
    else unbounded(v, k === 'properties' ? at : `${at}.${k}`, out)
  }
}

describe('contract input limits', () => {
  it('every string and array in every procedure input has a size limit', () => {
    const problems: string[] = []
    let inputs = 0
    for (const path of procedurePaths()) {
      const proc = path.reduce<unknown>((o, k) => (o as Json)[k], contract) as { '~orpc': { inputSchema?: z.ZodType } }
      const schema = proc['~orpc'].inputSchema
      if (!schema) continue
      inputs++
      unbounded(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), path.join('.'), problems)
    }
    expect(inputs).toBeGreaterThan(15)
    // The check itself finds an unbounded string and array.
    const probe: string[] = []
    unbounded(z.toJSONSchema(z.object({ a: z.string(), b: z.array(z.number().int()).optional() })), 'probe', probe)
    expect(probe).toEqual(['probe.a: string without a maximum length', 'probe.b: array without a maximum size'])
    expect(problems).toEqual([])
  })
})
