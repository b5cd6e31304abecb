import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createInterface } from 'node:readline'

import { join } from 'node:path'
import { CLI } from './paths'
import { PORT_OFFSET, stackPorts } from '../test/support/ports'
import { startOpenFdaStandIn } from './openfda-stand-in'

/** A stack of the e2e run's own (name, ports, home), and the console in server mode on a free port. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), 'fda-e2e-'))
  const stackName = `fdae2e-${randomBytes(3).toString('hex')}`
  // openFDA itself is never asked: the console's openFDA base URL is a local stand-in.
  const openfda = await startOpenFdaStandIn(60095 + (PORT_OFFSET % 5))
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: { ...stackPorts(56320), api: 56380 + PORT_OFFSET }, pgMemoryMb: 256, openfda: { baseUrl: openfda.url } }))
  execFileSync(process.execPath, [CLI, '--home', home, 'stack', 'up', '--samples'], { stdio: 'inherit' })
  const token = randomBytes(24).toString('base64url')
  const server = spawn(process.execPath, [CLI, '--home', home, '--json', 'serve', '--port', '0'], {
    // benchmarks started from the screen run their stacks in a block of this run's own (base..base+30)
    env: { ...process.env, FDA_SERVER_TOKEN: token, FDA_BENCH_BASE_PORT: process.env.FDA_BENCH_BASE_PORT ?? String(57000 + 40 * PORT_OFFSET) },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', resolve)
    server.once('exit', (code) => reject(new Error(`server mode exited with ${code}`)))
  })
  const { url, loginUrl } = JSON.parse(first) as { url: string; loginUrl: string }
  Object.assign(process.env, {
    FDA_E2E_HOME: home, FDA_E2E_URL: url, FDA_E2E_LOGIN_URL: loginUrl, FDA_E2E_SERVER_PID: String(server.pid), FDA_E2E_STACK: stackName
  })
  server.unref()
  return () => openfda.close()
}
