import { resolve } from 'node:path'
import { ORPCError } from '@orpc/client'
import { createRouterClient } from '@orpc/server'
import { Command, CommanderError, Option } from 'commander'
import { router } from '../app/router'
import { createServices, type Services } from '../app/services'
import { startServerMode } from '../server/http-server'
import { exportImage, importImageFile } from '../stack/image'
import { imageTagFor, findResourcesDir } from '../stack/recipe'
import { StackError } from '../stack/stack-error'
import { formatStatus } from './format-status'
import { describeJob, renderJob } from './progress'
import { createDockerClient, pingDocker } from '../stack/docker-client'

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export class ExitError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message)
  }
}

interface Globals {
  home?: string
  json?: boolean
}

function clientFor(services: Services) {
  // The CLI calls the very same procedures as the desktop and server hosts, in-process.
  return createRouterClient(router, { context: { services } })
}

async function runJob(services: Services, start: Promise<{ id: string }>, json: boolean): Promise<void> {
  const client = clientFor(services)
  const job = await start
  const last = await renderJob(await client.jobs.watch({ jobId: job.id }), { json })
  const final = await services.jobs.wait(job.id)
  if (!json) process.stderr.write(`${final.state}: ${final.error ?? last?.message ?? ''}\n`)
  if (final.state !== 'succeeded') {
    const err = new ExitError(1, final.error ?? final.state)
    throw err
  }
}

export function buildCli(): Command {
  const program = new Command('fda-offline')
    .description('FDA Offline Console: run and govern the offline openFDA mirror')
    .option('--home <dir>', 'state directory (settings, secrets, job history); also FDA_OFFLINE_HOME')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride()
  const services = (): Services => createServices({ host: 'cli', home: (program.opts() as Globals).home })
  const json = (): boolean => Boolean((program.opts() as Globals).json)

  program
    .command('status')
    .description('containers, health, versions, ports, volumes, disk, live color, PgBouncer pools')
    .action(async () => {
      const s = await clientFor(services()).status.get()
      if (json()) process.stdout.write(JSON.stringify(s, null, 2) + '\n')
      if (!s.docker.reachable) throw new ExitError(1, `${s.docker.error} Fix: ${s.docker.fix}`)
      if (!json()) process.stdout.write(formatStatus(s) + '\n')
      if (!s.healthy) throw new ExitError(1, 'the stack is not healthy (BLUE and PgBouncer must run and pass their health checks); start it with `fda-offline stack up`')
    })

  const stack = program.command('stack').description('bring the Docker stack up or down')
  stack
    .command('up')
    .description('build the image if needed, start BLUE and PgBouncer (and GREEN with --green)')
    .option('--green', 'also start GREEN, the standby for blue-green updates')
    .action(async (o: { green?: boolean }) => {
      const s = services()
      await runJob(s, clientFor(s).stack.up({ green: Boolean(o.green) }), json())
    })
  stack
    .command('down')
    .description('stop and remove the containers (data volumes are kept unless --volumes)')
    .option('--volumes', 'also delete the data volumes: ALL DATA OF THIS STACK IS LOST')
    .action(async (o: { volumes?: boolean }) => {
      const s = services()
      await runJob(s, clientFor(s).stack.down({ volumes: Boolean(o.volumes) }), json())
    })
  stack
    .command('logs')
    .description('recent log lines of a container')
    .addOption(new Option('--tail <n>', 'number of lines').default('200'))
    .argument('<role>', 'blue, green or pgbouncer')
    .action(async (role: string, o: { tail: string }) => {
      if (!['blue', 'green', 'pgbouncer'].includes(role)) throw new ExitError(2, `unknown role "${role}": use blue, green or pgbouncer`)
      const r = await clientFor(services()).stack.logs({ role: role as 'blue', tail: Number(o.tail) })
      process.stdout.write(json() ? JSON.stringify(r) + '\n' : r.lines.join('\n') + '\n')
    })

  const image = program.command('image').description('the stack image (PostgreSQL 15 + PgBouncer from Debian packages)')
  image.command('build').description('build the image now if it is missing').action(async () => {
    const s = services()
    await runJob(s, Promise.resolve(s.jobs.start('image-build', 'Build the stack image', (ctx) => s.stack.buildImage(ctx))), json())
  })
  image.command('export').argument('<file>', 'tar file to write').description('save the image to carry it to an air-gapped machine').action(async (file: string) => {
    const docker = createDockerClient()
    await pingDocker(docker)
    const tag = imageTagFor(findResourcesDir())
    await exportImage(docker, tag, resolve(file))
    process.stdout.write(`${tag} written to ${resolve(file)}\n`)
  })
  image.command('import').argument('<file>', 'tar file made by `image export`').description('load an exported image').action(async (file: string) => {
    const docker = createDockerClient()
    await pingDocker(docker)
    await importImageFile(docker, resolve(file))
    process.stdout.write(`image loaded from ${resolve(file)}\n`)
  })

  const jobs = program.command('jobs').description('long operations: history and cancellation')
  jobs.command('list').addOption(new Option('--limit <n>').default('20')).action(async (o: { limit: string }) => {
    const list = await clientFor(services()).jobs.list({ limit: Number(o.limit) })
    process.stdout.write(json() ? JSON.stringify(list, null, 2) + '\n' : list.map(describeJob).join('\n') + '\n')
  })

  program
    .command('serve')
    .description('server mode: the console in a browser, on 127.0.0.1 only, with a per-launch token')
    .addOption(new Option('--port <n>', 'port (0 picks a free one)').default('47800'))
    .addOption(new Option('--renderer <dir>', 'built renderer').default(resolve(findResourcesDir(), '..', 'out', 'renderer')).hideHelp())
    .action(async (o: { port: string; renderer: string }) => {
      const s = createServices({ host: 'server', home: (program.opts() as Globals).home })
      const running = await startServerMode(s, { port: Number(o.port), rendererDir: o.renderer, token: process.env.FDA_SERVER_TOKEN })
      const line = json() ? JSON.stringify({ url: running.url, loginUrl: running.loginUrl }) : `FDA Offline Console is serving on ${running.url}\nOpen: ${running.loginUrl}`
      process.stdout.write(line + '\n')
      await new Promise<void>((done) => {
        const stop = (): void => void running.close().then(done)
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
  return program
}

/** Runs the CLI and returns the exit code; errors become one line with what to do. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildCli()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0
      return 2
    }
    if (e instanceof ExitError) {
      process.stderr.write(`fda-offline: ${e.message}\n`)
      return e.exitCode
    }
    process.stderr.write(`fda-offline: ${oneLine(e)}\n`)
    return 1
  }
}

function oneLine(e: unknown): string {
  if (e instanceof StackError) return `${e.message} Fix: ${e.fix}`
  if (e instanceof ORPCError) {
    const fix = (e.data as { fix?: string } | undefined)?.fix
    return fix ? `${e.message} Fix: ${fix}` : e.message
  }
  return (e as Error)?.message ?? String(e)
}
