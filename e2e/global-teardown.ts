import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { CLI } from './paths'

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.FDA_E2E_SERVER_PID)
  if (pid) process.kill(pid, 'SIGTERM')
  const home = process.env.FDA_E2E_HOME
  if (!home) return
  execFileSync(process.execPath, [CLI, '--home', home, 'stack', 'down', '--volumes'], { stdio: 'inherit' })
  rmSync(home, { recursive: true, force: true })
}
