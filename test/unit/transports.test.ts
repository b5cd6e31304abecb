import { MessageChannel } from 'node:worker_threads'
import { createORPCClient, ORPCError } from '@orpc/client'
import { RPCLink as FetchLink } from '@orpc/client/fetch'
import { RPCLink as PortLink } from '@orpc/client/message-port'
import type { ContractRouterClient } from '@orpc/contract'
import { RPCHandler as PortHandler } from '@orpc/server/message-port'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { router } from '../../src/main/app/router'
import { createServices, type Services } from '../../src/main/app/services'
import { startServerMode, type RunningServer } from '../../src/main/server/http-server'
import type { Contract } from '../../src/shared/contract'
import { NOWHERE, tempHome } from '../support/temp-home'

type Client = ContractRouterClient<Contract>
const t = tempHome(NOWHERE)
let services: Services
let http: RunningServer
const channel = new MessageChannel()
const clients: Record<string, Client> = {}

beforeAll(async () => {
  services = createServices({ host: 'server', home: t.home })
  // Desktop transport: Node's MessageChannel stands in for Electron's MessagePortMain.
  new PortHandler(router).upgrade(channel.port1 as never, { context: { services, auth: { token: null } } })
  channel.port1.start()
  clients['message-port'] = createORPCClient(new PortLink({ port: channel.port2 as never }))
  channel.port2.start()
  http = await startServerMode(services, { port: 0, rendererDir: t.home, token: 'test-token' })
  clients.http = createORPCClient(new FetchLink({ url: `${http.url}/rpc`, headers: { authorization: 'Bearer test-token' } }))
})
afterAll(async () => {
  channel.port1.close()
  channel.port2.close()
  await http.close()
  t.cleanup()
})

describe.each(['message-port', 'http'])('the same procedures over %s', (transport) => {
  it('answers app.info', async () => {
    const info = await clients[transport].app.info()
    expect(info).toMatchObject({ name: 'FDA Offline Console', host: 'server', home: t.home })
  })

  it('streams the progress of a job to its end', async () => {
    const job = services.jobs.start('demo', 'Demo', async (ctx) => {
      for (let i = 1; i <= 3; i++) {
        await new Promise((r) => setTimeout(r, 30))
        ctx.report({ phase: 'step', done: i, total: 3, unit: 'steps', message: `step ${i}` })
      }
      return 'demo done'
    })
    const seen: string[] = []
    for await (const e of await clients[transport].jobs.watch({ jobId: job.id })) seen.push(`${e.state}:${e.done}`)
    expect(seen).toContain('running:3')
    expect(seen.at(-1)).toBe('succeeded:3')
    expect((await clients[transport].jobs.list({ limit: 5 })).map((j) => j.id)).toContain(job.id)
  })

  it('returns typed errors with a fix', async () => {
    const err = await clients[transport].jobs.get({ jobId: 'missing' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ORPCError)
    expect((err as ORPCError<string, { fix: string }>).code).toBe('JOB_NOT_FOUND')
    expect((err as ORPCError<string, { fix: string }>).data.fix).toMatch(/jobs list/)
  })

  it('rejects invalid input at the boundary', async () => {
    const err = await clients[transport].jobs.list({ limit: 100_000 }).catch((e: unknown) => e)
    expect((err as ORPCError<string, unknown>).code).toBe('BAD_REQUEST')
  })
})
