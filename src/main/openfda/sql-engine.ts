import type { Services } from '../app/services'
import { createMirrorEngine } from './local-api/reader'
import type { QueryEngine } from './query/types'

/**
 * The PostgreSQL tier's engine: openFDA queries as parameterised SQL over the mirror, as the
 * read-only role through PgBouncer. The caller ends the pool when done.
 */
export function sqlEngineFor(s: Services): { engine: QueryEngine; close: () => Promise<void> } {
  const { engine, pool } = createMirrorEngine(s)
  return { engine, close: () => pool.end().catch(() => {}) }
}
