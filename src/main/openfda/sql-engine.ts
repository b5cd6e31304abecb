import type { Services } from '../app/services'
import type { QueryEngine } from './query/types'

/**
 * The PostgreSQL tier's engine (openFDA queries as parameterised SQL over the mirror, through
 * PgBouncer), built by the local-API work. Null while this build has none: the read path then says
 * so and falls through to the cache and the API.
 */
export function sqlEngineFor(_s: Services): QueryEngine | null {
  return null
}
