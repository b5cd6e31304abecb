import { randomBytes } from 'node:crypto'
import { createRouterClient } from '@orpc/server'
import { router } from '../../src/main/app/router'
import { createServices, type Services } from '../../src/main/app/services'
import { tempHome } from './temp-home'
import { stackPorts } from './ports'

/** A stack of its own for one test file: unique name, its own ports on 127.0.0.1, a temporary home. */
export function testStack(basePort: number, settings: object = {}) {
  const stackName = `fdatest-${randomBytes(3).toString('hex')}`
  const ports = stackPorts(basePort)
  const t = tempHome({ stackName, ports, pgMemoryMb: 256, healthTimeoutSeconds: 120, ...settings })
  const services: Services = createServices({ host: 'cli', home: t.home })
  const client = createRouterClient(router, { context: { services, auth: { token: null } } })
  return {
    stackName, ports, home: t.home, services, client,
    async teardown() {
      const job = await client.stack.down({ volumes: true })
      const done = await services.jobs.wait(job.id)
      if (done.state !== 'succeeded') throw new Error(`test stack ${stackName} was not removed: ${done.error}`)
      await services.close()
      t.cleanup()
    }
  }
}
