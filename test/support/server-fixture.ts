import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { createServices } from '../../src/main/app/services'
import { startServerMode, type RunningServer } from '../../src/main/server/http-server'
import { NOWHERE, tempHome } from './temp-home'

/** Server mode on a free port for one test file, with a stub renderer page and no stack behind it. */
export function serverModeFixture(): { server: () => RunningServer; home: string } {
  const t = tempHome(NOWHERE)
  let srv: RunningServer
  beforeAll(async () => {
    const renderer = join(t.home, 'renderer')
    mkdirSync(renderer)
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>console</title>')
    srv = await startServerMode(createServices({ host: 'server', home: t.home }), { port: 0, rendererDir: renderer })
  })
  afterAll(async () => {
    await srv.close()
    t.cleanup()
  })
  return { server: () => srv, home: t.home }
}
