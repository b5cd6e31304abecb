import { expect, it } from 'vitest'
import { z } from 'zod'
import { contract } from '../../src/shared/contract'
import { procedurePaths } from '../support/procedures'

// Any change to the API surface (a procedure, an input, an output, an error) shows up as a diff of
// this snapshot in review, instead of drifting silently between hosts.
it('the API contract surface is pinned', async () => {
  const surface: Record<string, unknown> = {}
  for (const path of procedurePaths()) {
    let node: any = contract
    for (const k of path) node = node[k]
    const def = node['~orpc']
    const schema = (s: unknown) => (s ? z.toJSONSchema(s as z.ZodType, { io: 'input', unrepresentable: 'any' }) : null)
    surface[path.join('.')] = {
      input: schema(def.inputSchema),
      output: def.outputSchema?.['~standard'] && !(def.outputSchema instanceof z.ZodType) ? 'event-iterator' : schema(def.outputSchema),
      policy: def.meta,
      errors: Object.keys(def.errorMap).sort()
    }
  }
  await expect(JSON.stringify(surface, null, 2)).toMatchFileSnapshot('__snapshots__/contract-surface.json')
})
