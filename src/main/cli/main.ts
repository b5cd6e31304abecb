import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ORPCError } from '@orpc/client'
import { createRouterClient, type RouterClient } from '@orpc/server'
import { Command, CommanderError, Option } from 'commander'
import type { ApiContext } from '../app/auth'
import { prepareRunningDatabases } from '../app/lifecycle'
import { router } from '../app/router'
import { createServices, type Services } from '../app/services'
import { startLocalApiWithServer } from '../openfda/local-api/service'
import { startServerMode } from '../server/http-server'
import { createDockerClient, pingDocker } from '../stack/docker-client'
import { exportImage, importImageFile } from '../stack/image'
import { findResourcesDir, imageTagFor } from '../stack/recipe'
import { StackError } from '../stack/stack-error'
import { formatMigration, formatStatus } from './format-status'
import { formatFreshness } from '../refresh/freshness'
import { COMMAND_AREAS } from './commands'
import { verifyExportCommand } from './commands/audit-viewer'
import { describeJob, renderJob } from './progress'

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export class ExitError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message)
  }
}

export interface Globals {
  home?: string
  json?: boolean
  user?: string
  passwordStdin?: boolean
  token?: string
}

export type Api = RouterClient<typeof router>

/** What a command area (./commands/<area>.ts) gets to define its commands with. */
export interface CliKit {
  program: Command
  globals: () => Globals
  json: () => boolean
  /** Services and an in-process API client, signed in when --user was given. */
  open: (opts?: { signIn?: boolean }) => Promise<{ s: Services; api: Api }>
  /** Watches a job with a progress bar (or JSON lines); exit 1 unless it succeeded. */
  runJob: (s: Services, api: Api, start: Promise<{ id: string }>) => Promise<void>
  print: (value: unknown, human: () => string) => void
  /** The signed-in user's password, kept only in this process, for signing what it carried out. */
  signPassword: () => string | null
  nextStdinLine: () => string
}

/**
 * Reads a password from standard input (never from argv, where other users could see it): its
 * first line. Commands that need a second secret (the new user's temporary password) take the next
 * line with nextStdinLine.
 */
export function readStdinPassword(): string {
  return nextStdinLine()
}

export function buildCli(): Command {
  const program = new Command('fda-offline')
    .description('FDA Offline Console: run and govern the offline openFDA mirror')
    .option('--home <dir>', 'state directory (settings, secrets, job history); also FDA_OFFLINE_HOME')
    .option('--json', 'machine-readable output')
    .option('--user <name>', 'sign in as this console user (with --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--token <token>', 'a token from `fda-offline auth token`; also FDA_OFFLINE_TOKEN')
    .showHelpAfterError()
    .exitOverride()
  const g = (): Globals => program.opts() as Globals
  const json = (): boolean => Boolean(g().json)
  const cleanups: (() => Promise<void>)[] = []
  let signPassword: string | null = null // kept only for this process, to sign what it carried out
  program.hook('postAction', async () => {
    for (const c of cleanups.splice(0)) await c().catch(() => {})
  })

  /** The services and an in-process API client: the very procedures the desktop and server hosts call. */
  const open = async (opts: { signIn?: boolean } = { signIn: true }): Promise<{ s: Services; api: Api }> => {
    const s = createServices({ host: 'cli', home: g().home })
    const context: ApiContext = { services: s, auth: { token: g().token ?? process.env.FDA_OFFLINE_TOKEN ?? null } }
    const api = createRouterClient(router, { context })
    cleanups.push(() => s.close())
    if (opts.signIn && g().user) {
      if (!g().passwordStdin) throw new ExitError(2, '--user needs --password-stdin (the password is never taken from the command line)')
      signPassword = readStdinPassword()
      await api.auth.login({ username: g().user!, password: signPassword })
      cleanups.unshift(async () => void (await api.auth.logout()))
    }
    return { s, api }
  }

  const runJob = async (s: Services, api: Api, start: Promise<{ id: string }>): Promise<void> => {
    const job = await start
    // Ctrl-C cancels the job (cleanly, through its AbortSignal) rather than killing the process mid-step.
    const cancel = (): void => void api.jobs.cancel({ jobId: job.id }).catch(() => {})
    process.once('SIGINT', cancel)
    const last = await renderJob(await api.jobs.watch({ jobId: job.id }), { json: json() }).finally(() => process.off('SIGINT', cancel))
    const final = await s.jobs.wait(job.id)
    if (!json()) process.stderr.write(`${final.state}: ${final.error ?? last?.message ?? ''}\n`)
    if (final.state !== 'succeeded') throw new ExitError(1, final.error ?? final.state)
  }
  const print = (value: unknown, human: () => string): void => {
    process.stdout.write(json() ? JSON.stringify(value, null, 2) + '\n' : human() + '\n')
  }
  const kit: CliKit = { program, globals: g, json, open, runJob, print, signPassword: () => signPassword, nextStdinLine }

  program
    .command('status')
    .description('containers, health, versions, ports, volumes, disk, live color, PgBouncer pools')
    .action(async () => {
      const { api } = await open()
      const s = await api.status.get()
      // Staleness per endpoint (fresh, due, overdue) when the mirror is reachable.
      const fresh = s.healthy ? await api.refresh.freshness().catch(() => null) : null
      if (json()) process.stdout.write(JSON.stringify({ ...s, freshness: fresh }, null, 2) + '\n')
      if (!s.docker.reachable) throw new ExitError(1, `${s.docker.error} Fix: ${s.docker.fix}`)
      if (!json()) process.stdout.write(formatStatus(s) + (fresh ? `\n\n${formatFreshness(fresh)}` : '') + '\n')
      if (!s.healthy) throw new ExitError(1, 'the stack is not healthy (BLUE and PgBouncer must run and pass their health checks); start it with `fda-offline stack up`')
    })

  const stack = program.command('stack').description('bring the Docker stack up or down')
  stack
    .command('up')
    .description('build the image if needed, start BLUE and PgBouncer (and GREEN with --green), apply migrations')
    .option('--green', 'also start GREEN, the standby for blue-green updates')
    .option('--samples', 'load the bundled openFDA sample records if the mirror is empty')
    .action(async (o: { green?: boolean; samples?: boolean }) => {
      const { s, api } = await open()
      await runJob(s, api, api.stack.up({ green: Boolean(o.green), samples: Boolean(o.samples) }))
    })
  stack
    .command('down')
    .description('stop and remove the containers (data volumes are kept unless --volumes)')
    .option('--volumes', 'also delete the data volumes: ALL DATA OF THIS STACK IS LOST')
    .action(async (o: { volumes?: boolean }) => {
      const { s, api } = await open()
      await runJob(s, api, api.stack.down({ volumes: Boolean(o.volumes) }))
    })
  stack
    .command('logs')
    .description('recent log lines of a container')
    .addOption(new Option('--tail <n>', 'number of lines').default('200'))
    .argument('<role>', 'blue, green or pgbouncer')
    .action(async (role: string, o: { tail: string }) => {
      if (!['blue', 'green', 'pgbouncer'].includes(role)) throw new ExitError(2, `unknown role "${role}": use blue, green or pgbouncer`)
      const { api } = await open()
      const r = await api.stack.logs({ role: role as 'blue', tail: Number(o.tail) })
      print(r, () => r.lines.join('\n'))
    })

  const image = program.command('image').description('the stack image (PostgreSQL 15 + PgBouncer from Debian packages)')
  image.command('build').description('build the image now if it is missing').action(async () => {
    const { s, api } = await open({ signIn: false })
    await runJob(s, api, Promise.resolve(s.jobs.start('image-build', 'Build the stack image', (ctx) => s.stack.buildImage(ctx))))
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
    const { api } = await open()
    const list = await api.jobs.list({ limit: Number(o.limit) })
    print(list, () => list.map(describeJob).join('\n'))
  })

  program
    .command('db')
    .description('the mirror database')
    .command('migrate')
    .description('apply pending migrations to every running color (also done by `stack up` and at start-up)')
    .action(async () => {
      const { s } = await open({ signIn: false })
      const colors = await prepareRunningDatabases(s)
      print({ colors }, () => (colors.length ? `schema up to date on ${colors.map((c) => c.toUpperCase()).join(' and ')}` : 'no color is running: start the stack first'))
      if (!colors.length) throw new ExitError(1, 'no color is running')
    })

  program
    .command('migrate')
    .description('import a JSON cache folder, openFDA bulk downloads (.json, .json.zip) or NDJSON into the mirror')
    .option('--source <path>', 'folder or file (default: the bundled sample cache)')
    .addOption(new Option('--endpoint <endpoint>', 'for NDJSON and unnamed bulk files').choices(['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement']))
    .option('--resume', 'continue the last unfinished import of this source')
    .option('--backup', 'first keep a .tar.gz of the source with its SHA-256')
    .action(async (o: { source?: string; endpoint?: string; resume?: boolean; backup?: boolean }) => {
      const { s, api } = await open()
      const source = o.source ?? (await api.migration.sources()).bundledSample
      const job = await api.migration.start({ source, endpoint: (o.endpoint ?? null) as null, resume: Boolean(o.resume), backup: Boolean(o.backup) })
      await runJob(s, api, Promise.resolve(job)).catch((e) => {
        if (!(e instanceof ExitError)) throw e
      })
      const r = await api.migration.result({ jobId: job.id })
      if (!r) throw new ExitError(1, `the import did not finish: ${(await api.jobs.get({ jobId: job.id })).error ?? 'see fda-offline jobs list'}`)
      // The person who started the import signs its record (responsibility), re-using the password they gave.
      if (g().user && signPassword) {
        const sig = await api.audit.sign({ seq: r.auditSeq, meaning: 'responsibility', username: g().user!, password: signPassword })
        process.stderr.write(`signed by ${sig.printedName} (${sig.meaning}) at ${sig.signedAt}\n`)
      }
      print(r, () => formatMigration(r))
      const problems = [r.records.rejected ? `${r.records.rejected} rejected (see ${r.rejectReport})` : '', r.files.rejected ? `${r.files.rejected} files rejected` : '', r.verified ? '' : 'verification failed'].filter(Boolean)
      if (problems.length) throw new ExitError(1, `import finished with problems: ${problems.join('; ')}`)
    })

  const data = program.command('data').description('the mirrored openFDA records')
  data.command('load-samples').description('load the bundled openFDA sample records (all seven endpoints)').action(async () => {
    const { s, api } = await open()
    await runJob(s, api, api.data.loadSamples())
  })
  data.command('stats').description('rows, size and freshness per endpoint').action(async () => {
    const { api } = await open()
    const stats = await api.data.stats()
    print(stats, () =>
      ['ENDPOINT        ROWS      SIZE        TTL      LAST LOAD                 FRESH']
        .concat(stats.map((x) => `${x.endpoint.padEnd(15)} ${String(x.rows).padEnd(9)} ${String(Math.round(x.bytes / 1024)).padStart(7)} KiB ${x.ttlTier.padEnd(10)}${(x.lastSuccessAt ?? 'never').padEnd(26)}${x.stale ? 'stale' : 'fresh'}`))
        .join('\n')
    )
  })
  data.command('verify').argument('<endpoint>').description("recompute every record's checksum and list mismatches").action(async (endpoint: string) => {
    const { s, api } = await open()
    await runJob(s, api, api.data.verifyIntegrity({ endpoint: endpoint as '510k' }))
  })

  const auth = program.command('auth').description('sign-in for the command line')
  auth.command('token').description('issue a 12-hour token for scripts (needs --user NAME --password-stdin)').action(async () => {
    if (!g().user || !g().passwordStdin) throw new ExitError(2, 'auth token needs --user NAME --password-stdin')
    const password = readStdinPassword()
    const s = createServices({ host: 'cli', home: g().home })
    cleanups.push(() => s.close())
    const session = await s.users.login(g().user!, password, 'cli', 'cli-token')
    print({ token: session.token, expiresAt: session.expiresAt }, () => `${session.token}\n(valid until ${session.expiresAt}; pass it with --token or FDA_OFFLINE_TOKEN)`)
  })

  const users = program.command('users').description('console accounts (administrators)')
  users
    .command('create-first-admin')
    .description('first run: create the first administrator (password on standard input)')
    .requiredOption('--username <name>')
    .requiredOption('--printed-name <name>', 'full name as printed on signatures')
    .action(async (o: { username: string; printedName: string }) => {
      const { api } = await open({ signIn: false })
      const state = await api.auth.setupFirstAdmin({ username: o.username, printedName: o.printedName, password: readStdinPassword() })
      await api.auth.logout()
      print(state.user, () => `administrator ${state.user?.username} created`)
    })
  users.command('list').action(async () => {
    const { api } = await open()
    const list = await api.users.list()
    print(list, () =>
      ['ID  USERNAME          ROLE      STATE     PRINTED NAME'].concat(
        list.map((u) => `${String(u.id).padEnd(3)} ${u.username.padEnd(17)} ${u.role.padEnd(9)} ${(u.disabled ? 'disabled' : u.locked ? 'locked' : 'active').padEnd(9)} ${u.printedName}`)
      ).join('\n')
    )
  })
  users
    .command('create')
    .description('create an account; its temporary password (standard input after your own, one per line) must be changed at first sign-in')
    .requiredOption('--username <name>')
    .requiredOption('--printed-name <name>')
    .addOption(new Option('--role <role>').choices(['viewer', 'operator', 'admin']).makeOptionMandatory())
    .action(async (o: { username: string; printedName: string; role: 'viewer' }) => {
      const { api } = await open()
      const u = await api.users.create({ username: o.username, printedName: o.printedName, role: o.role, password: nextStdinLine() })
      print(u, () => `user ${u.username} (${u.role}) created`)
    })
  users.command('disable').argument('<username>').action(async (username: string) => {
    const { api } = await open()
    const u = await api.users.disable({ username })
    print(u, () => `user ${u.username} disabled`)
  })
  users.command('reset-password').argument('<username>').description('set a temporary password (from standard input, after yours) and unlock').action(async (username: string) => {
    const { api } = await open()
    const u = await api.users.resetPassword({ username, temporaryPassword: nextStdinLine() })
    print(u, () => `password of ${u.username} reset; it must be changed at the next sign-in`)
  })
  users
    .command('set-role')
    .argument('<username>')
    .addArgument(new Command().createArgument('<role>', 'viewer, operator or admin').choices(['viewer', 'operator', 'admin']))
    .action(async (username: string, role: 'viewer') => {
      const { api } = await open()
      const u = await api.users.changeRole({ username, role })
      print(u, () => `${u.username} is now ${u.role}`)
    })

  const settings = program.command('settings').description('console settings kept in the database (admins; changes are audited)')
  settings.command('list').action(async () => {
    const { api } = await open()
    const list = await api.settings.list()
    print(list, () => list.map((x) => `${x.key.padEnd(26)} ${String(x.value).padStart(5)} ${x.unit.padEnd(11)} ${x.describe} (${x.min}–${x.max})`).join('\n'))
  })
  settings.command('set').argument('<key>').argument('<value>').action(async (key: string, value: string) => {
    if (!/^-?\d+$/.test(value)) throw new ExitError(2, `${key}: "${value}" is not a whole number`)
    const { api } = await open()
    await api.settings.set({ key, value: Number(value) })
    print({ key, value: Number(value) }, () => `${key} = ${value}`)
  })

  const audit = program.command('audit').description('the Part 11 audit trail')
  audit
    .command('verify')
    .description('recompute the whole hash chain; exit 1 naming the first entry that does not verify; with --export, check an exported JSON file offline')
    .option('--export <file>', 'an export made with `audit export --format json` (checked offline: no stack, no sign-in)')
    .option('--head <hash>', 'with --export: a chain head hash filed earlier that the export must contain')
    .option('--head-file <file>', 'with --export: a backup manifest, a previous export or saved `audit head` output holding the chain head')
    .action(async (o: { export?: string; head?: string; headFile?: string }) => {
    if (o.export) return verifyExportCommand(kit, { export: o.export, head: o.head, headFile: o.headFile })
    const { api } = await open()
    const r = await api.audit.verify()
    print(r, () => (r.ok ? `audit trail verified: ${r.checked} entries, head ${r.head?.seq ?? '-'} ${r.head?.hash ?? ''}` : `audit trail BROKEN at entry ${r.broken!.seq}: ${r.broken!.reason}`))
    if (!r.ok) throw new ExitError(1, `audit trail broken at entry ${r.broken!.seq}`)
  })
  audit.command('head').description('the chain head (sequence number and hash), for filing').action(async () => {
    const { api } = await open()
    const h = await api.audit.head()
    print(h, () => (h ? `${h.segment} ${h.seq} ${h.ts} ${h.hash}` : 'the audit trail is empty'))
  })

  const benchCommand = program.command('bench').description('benchmarks, each on a stack of its own')
  benchCommand
    .command('records')
    .description('load generated records (default 1,000,000) and measure key lookups and containment queries through PgBouncer')
    .addOption(new Option('--total <n>', 'records to load').default('1000000'))
    .addOption(new Option('--queries <n>', 'queries per kind').default('5000'))
    .addOption(new Option('--concurrency <n>', 'concurrent clients').default('8'))
    .option('--keep', 'keep the bench stack afterwards')
    .action(async (o: { total: string; queries: string; concurrency: string; keep?: boolean }) => {
      const { runRecordsBench } = await import('../bench/records-bench')
      const home = createServices({ host: 'cli', home: g().home }).home
      const r = await runRecordsBench({
        total: Number(o.total), queries: Number(o.queries), concurrency: Number(o.concurrency), keep: Boolean(o.keep),
        resultsDir: join(home, 'bench'), log: (l) => process.stderr.write(l + '\n')
      })
      if (json()) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
    })

  benchCommand
    .command('import')
    .description('the import pipeline against psql \\copy of the same rows (default 1,000,000 records)')
    .addOption(new Option('--records <n>').default('1000000'))
    .option('--keep', 'keep the bench stack afterwards')
    .action(async (o: { records: string; keep?: boolean }) => {
      const { runImportBench } = await import('../bench/import-bench')
      const home = createServices({ host: 'cli', home: g().home }).home
      const r = await runImportBench({ records: Number(o.records), keep: Boolean(o.keep), resultsDir: join(home, 'bench'), log: (l) => process.stderr.write(l + '\n') })
      if (json()) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
    })

  // The import bench's input, written by a child process of `bench import` (so the bench measures
  // the pipeline's memory, not the generator's). The checksum key comes from the environment.
  benchCommand
    .command('import-input', { hidden: true })
    .requiredOption('--records <n>')
    .requiredOption('--cache <dir>')
    .requiredOption('--tsv <dir>')
    .action(async (o: { records: string; cache: string; tsv: string }) => {
      const key = process.env.FDA_BENCH_CHECKSUM_KEY
      if (!key) throw new ExitError(2, 'FDA_BENCH_CHECKSUM_KEY is not set: this command is run by `bench import`')
      const { writeImportInput } = await import('../bench/import-input')
      process.stdout.write(JSON.stringify(await writeImportInput(Number(o.records), o.cache, o.tsv, key)) + '\n')
    })

  benchCommand
    .command('switch')
    .description('blue-green: the console\'s promote/rollback against a bare psql PAUSE/rewrite/RELOAD/RESUME under pgbench load; clone against dump/restore')
    .addOption(new Option('--records <n>', 'records to load').default('100000'))
    .addOption(new Option('--clients <n>', 'pgbench clients through PgBouncer').default('100'))
    .addOption(new Option('--port-base <n>', 'BLUE on this port, GREEN +1, PgBouncer +10').default('58520'))
    .option('--keep', 'keep the bench stack afterwards')
    .action(async (o: { records: string; clients: string; portBase: string; keep?: boolean }) => {
      const { runSwitchBench } = await import('../bench/switch-bench')
      const home = createServices({ host: 'cli', home: g().home }).home
      const r = await runSwitchBench({
        records: Number(o.records), clients: Number(o.clients), portBase: Number(o.portBase), keep: Boolean(o.keep),
        resultsDir: join(home, 'bench'), log: (l) => process.stderr.write(l + '\n')
      })
      if (json()) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
    })

  program
    .command('serve')
    .description('server mode: the console in a browser, on 127.0.0.1 only, with a per-launch token')
    .addOption(new Option('--port <n>', 'port (0 picks a free one)').default('47800'))
    .addOption(new Option('--renderer <dir>', 'built renderer').default(resolve(findResourcesDir(), '..', 'out', 'renderer')).hideHelp())
    .option('--host <address>', 'listen on this address instead of 127.0.0.1 (needs --tls-cert and --tls-key)')
    .option('--tls-cert <file>', 'PEM certificate (chain) for HTTPS')
    .option('--tls-key <file>', 'PEM private key for HTTPS')
    .action(async (o: { port: string; renderer: string; host?: string; tlsCert?: string; tlsKey?: string }) => {
      if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new ExitError(2, '--tls-cert and --tls-key go together')
      const tls = o.tlsCert && o.tlsKey ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } : undefined
      const s = createServices({ host: 'server', home: g().home })
      try {
        await prepareRunningDatabases(s)
      } catch (e) {
        if ((e as StackError).code === 'MIGRATION_FAILED') throw e
        // Docker or the database not reachable yet: serve anyway; the Status screen says what to do.
      }
      const running = await startServerMode(s, { port: Number(o.port), rendererDir: o.renderer, token: process.env.FDA_SERVER_TOKEN, host: o.host, tls })
      const line = json() ? JSON.stringify({ url: running.url, loginUrl: running.loginUrl }) : `FDA Offline Console is serving on ${running.url}\nOpen: ${running.loginUrl}`
      process.stdout.write(line + '\n')
      const localApi = await startLocalApiWithServer(s) // the openFDA-compatible API (docs/LOCAL-API.md)
      await new Promise<void>((done) => {
        const stop = (): void => void running.close().then(() => localApi?.close()).then(() => s.close()).then(done)
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
  for (const register of COMMAND_AREAS) register(kit)
  return program
}

/** Lines of standard input after the signed-in user's password (read once, shared by the commands). */
let stdinLines: string[] | null = null
/** The next line of standard input (all of it is read once, at the first call). */
function nextStdinLine(): string {
  stdinLines ??= readFileSync(0, 'utf8').split(/\r?\n/)
  const line = stdinLines.shift()
  if (!line) throw new ExitError(2, 'expected a password on standard input (one per line)')
  return line
}

/** Runs the CLI and returns the exit code; errors become one line with what to do. */
export async function runCli(argv: string[]): Promise<number> {
  stdinLines = null // each run reads its own standard input
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
