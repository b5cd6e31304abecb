// `npm start`: build, bring the stack up if needed, then open the console: Electron where a binary
// exists (ELECTRON_PATH, or an installed electron/dist), otherwise server mode with its URL printed.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = [fileURLToPath(new URL('../bin/fda-offline.mjs', import.meta.url))]
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

run('npm', ['run', 'build', '--silent'])
// First start: the bundled openFDA sample records are loaded into the empty mirror.
run(process.execPath, [...cli, 'stack', 'up', '--samples'])

const candidates = [process.env.ELECTRON_PATH, `${root}node_modules/electron/dist/electron`].filter(Boolean)
const electron = candidates.find((p) => existsSync(p))
const child = electron
  ? spawn(electron, [`${root}out/main/index.js`], { stdio: 'inherit' })
  : spawn(process.execPath, [...cli, 'serve', ...process.argv.slice(2)], { stdio: 'inherit' })
if (!electron) console.log('No Electron binary here (set ELECTRON_PATH to use the desktop app): starting server mode.')
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code) => process.exit(code ?? 0))
