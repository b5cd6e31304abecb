import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { ADMIN } from './pages/console-page'
import { CLI } from './paths'

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.FDA_E2E_SERVER_PID)
  if (pid) process.kill(pid, 'SIGTERM')
  const home = process.env.FDA_E2E_HOME
  if (!home) return
  // Once the e2e administrator exists, stopping the stack needs a signed-in operator.
  try {
    execFileSync(process.execPath, [CLI, '--home', home, '--user', ADMIN.username, '--password-stdin', 'stack', 'down', '--volumes'], { input: ADMIN.password, stdio: ['pipe', 'inherit', 'inherit'] })
  } catch {
    execFileSync(process.execPath, [CLI, '--home', home, 'stack', 'down', '--volumes'], { stdio: 'inherit' })
  }
  rmSync(home, { recursive: true, force: true })
}
