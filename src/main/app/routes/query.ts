import { OpenFdaQueryError } from '../../openfda/query/types'
import { createReadPath } from '../../openfda/read-path-factory'
import { sqlEngineFor } from '../../openfda/sql-engine'
import { StackError } from '../../stack/stack-error'
import { api } from '../api'

export const queryRoutes = {
  run: api.query.run.handler(async ({ input, context, signal }) => {
    const { endpoint, ...params } = input
    const sql = sqlEngineFor(context.services)
    try {
      const env = await createReadPath(context.services, sql.engine).query(endpoint, params, signal)
      return { ...env, meta: { ...env.meta } }
    } catch (e) {
      if (e instanceof OpenFdaQueryError) throw new StackError('INVALID_REQUEST', `${e.code}: ${e.message}`, 'Correct the query (openFDA query syntax: field:value, AND/OR/NOT, [a TO b]).')
      throw e
    } finally {
      await sql.close()
    }
  })
}
