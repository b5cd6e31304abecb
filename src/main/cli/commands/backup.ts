import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Option } from 'commander'
import type { BackupEntry } from '../../../shared/schemas/backup'
import { PRIVATE_KEY_SECRET } from '../../backup/store'
import { resolveHome } from '../../config/home'
import { ExitError, type CliKit } from '../main'

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`

function line(b: BackupEntry): string {
  const m = b.manifest
  const bytes = m.artifacts.reduce((n, a) => n + a.storedBytes, 0)
  const verified = b.verified ? (b.verified.ok ? 'verified' : 'VERIFY FAILED') : 'not verified'
  const drill = b.drills.at(-1)
  const keep = b.retention ? (b.retention.keep ? `keep (${b.retention.marks.join(',')})` : 'due for pruning') : ''
  return `${m.id.padEnd(34)} ${m.type.padEnd(5)} ${m.stoppedAt.slice(0, 19)}Z  ${mib(bytes).padStart(10)}  ${verified.padEnd(13)} ${drill ? `drill ${drill.ok ? 'ok' : 'FAILED'} RTO ${drill.rtoSeconds.toFixed(1)} s` : ''}  ${keep}`
}

/** `fda-offline backup …` (issue #7) and `fda-offline bench backup`. */
export function registerBackupCommands(kit: CliKit): void {
  const { program, open, runJob, print } = kit
  const backup = program.command('backup').description('base backups, WAL, dumps, verification, drills, restores, retention, schedules')

  backup
    .command('run')
    .description('take a backup now (a base backup by default, which also ships archived WAL), then verify it')
    .addOption(new Option('--type <type>', 'what to take').choices(['base', 'dump', 'wal']).default('base'))
    .option('--no-verify', 'skip the verification that follows every new backup')
    .action(async (o: { type: 'base' | 'dump' | 'wal'; verify: boolean }) => {
      const { s, api } = await open()
      await runJob(s, api, api.backup.run({ type: o.type, verify: o.verify }))
    })

  backup.command('list').description('backups at the destination, with verification, drills and retention').action(async () => {
    const { api } = await open()
    const c = await api.backup.catalog()
    print(c, () => [
      `destination: ${c.destination}`,
      ...c.backups.map(line),
      `recoverable to any moment in: ${c.recoverable.map((r) => `${r.from} … ${r.to}`).join(', ') || 'nothing yet (take a base backup)'}`,
      ...c.problems.map((p) => `problem: ${p}`)
    ].join('\n'))
  })

  backup.command('verify').argument('<id>').description('decrypt, check every SHA-256, list the contents, check WAL continuity').action(async (id: string) => {
    const { s, api } = await open()
    await runJob(s, api, api.backup.verify({ id }))
  })

  backup.command('drill').argument('[id]', 'a backup id (default: the newest)').description('restore into a scratch container, check it, record RTO/RPO, remove it').action(async (id?: string) => {
    const { s, api } = await open()
    await runJob(s, api, api.backup.drill({ id }))
    const d = (await api.backup.drills())[0]
    if (d) print(d, () => [`drill ${d.id} of ${d.backupId}: ${d.ok ? 'passed' : 'FAILED'}; RTO ${d.rtoSeconds.toFixed(1)} s${d.rpoSeconds !== null ? `; RPO ${d.rpoSeconds.toFixed(1)} s` : ''}`, ...d.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)].join('\n'))
  })

  backup
    .command('restore')
    .description('restore the moment --time into GREEN (then promote through blue-green) or scratch; signed (responsibility)')
    .requiredOption('--time <iso>', 'the moment to restore, e.g. 2026-11-29T10:15:00Z')
    .addOption(new Option('--into <target>', 'where').choices(['green', 'scratch']).default('green'))
    .option('--comment <text>', 'why (kept with the signature)')
    .action(async (o: { time: string; into: 'green' | 'scratch'; comment?: string }) => {
      const { s, api } = await open()
      const user = kit.globals().user
      const password = kit.signPassword()
      if (!user || !password) throw new ExitError(2, 'a restore is signed: sign in with --user NAME --password-stdin')
      const job = await api.backup.restore({ time: o.time, into: o.into, username: user, password, comment: o.comment })
      process.stderr.write(`signed (responsibility), audit entry ${job.signatureSeq}\n`)
      await runJob(s, api, Promise.resolve(job))
    })

  backup
    .command('prune')
    .description('delete what calendar retention no longer keeps (audited); --dry-run lists it with reasons')
    .option('--dry-run', 'only list')
    .action(async (o: { dryRun?: boolean }) => {
      const { api } = await open()
      const d = await api.backup.prune({ dryRun: Boolean(o.dryRun) })
      print(d, () => d.map((x) => `${x.keep ? 'keep ' : o.dryRun ? 'would prune' : 'pruned'} ${x.id} (${x.type}, ${x.at}): ${x.reason}`).join('\n') || 'no backups')
    })

  const schedule = backup.command('schedule').description('cron schedules (UTC) for base backups, dumps, drills and WAL shipping')
  schedule.command('list').action(async () => {
    const { api } = await open()
    const cfg = await api.backup.config()
    const rows = await Promise.all(Object.entries(cfg.schedules).map(async ([k, v]) => ({ kind: k, cron: v, next: v ? (await api.backup.previewSchedule({ cron: v, count: 3 })).next : [] })))
    print(rows, () => rows.map((r) => `${r.kind.padEnd(6)} ${(r.cron ?? 'off').padEnd(14)} next: ${r.next.join(', ') || '-'}`).join('\n'))
  })
  schedule
    .command('set')
    .argument('<kind>', 'base, dump, drill or wal')
    .argument('<cron>', 'a cron expression such as "0 2 * * *", or "off"')
    .action(async (kind: string, cron: string) => {
      const { api } = await open()
      if (!['base', 'dump', 'drill', 'wal'].includes(kind)) throw new ExitError(2, `unknown schedule ${kind}: use base, dump, drill or wal`)
      await api.backup.setSchedule({ kind: kind as 'base', cron: cron === 'off' ? null : cron })
      const next = cron === 'off' ? [] : (await api.backup.previewSchedule({ cron, count: 3 })).next
      print({ kind, cron, next }, () => `${kind}: ${cron}${next.length ? `; next runs ${next.join(', ')}` : ''}`)
    })

  backup
    .command('destination')
    .description('where backups go: a local directory, or S3-compatible storage (credentials from FDA_S3_ACCESS_KEY_ID / FDA_S3_SECRET_ACCESS_KEY)')
    .argument('<kind>', 'local or s3')
    .option('--path <dir>', 'local: the directory')
    .option('--endpoint <url>', 's3: endpoint such as http://127.0.0.1:9000 (omit for AWS)')
    .option('--bucket <name>', 's3: bucket')
    .option('--prefix <prefix>', 's3: key prefix ending with /', '')
    .option('--region <region>', 's3: region', 'us-east-1')
    .option('--aws', 's3: AWS itself (virtual-hosted style, checksums when supported)')
    .action(async (kind: string, o: { path?: string; endpoint?: string; bucket?: string; prefix: string; region: string; aws?: boolean }) => {
      const { api } = await open()
      if (kind === 'local') {
        if (!o.path) throw new ExitError(2, 'local needs --path DIR')
        await api.backup.setDestination({ destination: { kind: 'local', path: o.path } })
      } else if (kind === 's3') {
        if (!o.bucket) throw new ExitError(2, 's3 needs --bucket NAME')
        await api.backup.setDestination({
          destination: { kind: 's3', endpoint: o.endpoint ?? null, bucket: o.bucket, prefix: o.prefix, region: o.region, forcePathStyle: !o.aws, compatible: !o.aws, partSizeMb: 16 },
          accessKeyId: process.env.FDA_S3_ACCESS_KEY_ID, secretAccessKey: process.env.FDA_S3_SECRET_ACCESS_KEY
        })
      } else throw new ExitError(2, `unknown destination ${kind}: use local or s3`)
      const cfg = await api.backup.config()
      print({ ok: true, destination: cfg.destinationDescription }, () => `backups now go to ${cfg.destinationDescription}`)
    })

  backup
    .command('recipient')
    .description('also encrypt new artifacts to this OpenPGP public key (ASCII-armored file)')
    .argument('<file>')
    .action(async (file: string) => {
      const { api } = await open()
      const r = await api.backup.addRecipient({ armoredPublicKey: readFileSync(file, 'utf8') })
      print(r, () => `recipient ${r.fingerprint} added`)
    })

  // The private key never crosses the API (no procedure returns it): these run in this process only, for an administrator.
  const key = backup.command('key').description("the console's backup private key (keep an exported copy off this machine)")
  const asAdmin = async () => {
    const { s, api } = await open()
    const state = await api.auth.state()
    if (state.usersExist && state.user?.role !== 'admin') throw new ExitError(1, 'only an administrator may export or import the backup key; sign in with --user NAME --password-stdin')
    return { s, actor: { userId: state.user?.id ?? null, username: state.user?.username ?? 'cli', client: 'cli' as const } }
  }
  key.command('export').argument('<file>').description('write the armored private key (mode 0600) for gpg --import elsewhere').action(async (file: string) => {
    const { s, actor } = await asAdmin()
    await s.backup.store.recipients() // makes the key on first use
    writeFileSync(file, s.backup.store.privateKey().armored, { mode: 0o600 })
    await s.audit.record(actor, { action: 'backup.key.export', targetType: 'backup-key', targetKey: file })
    print({ file }, () => `private key written to ${file}; keep it safe and off this machine`)
  })
  key.command('import').argument('<file>').description('use this armored private key (e.g. on a new machine restoring old backups)').action(async (file: string) => {
    const { s, actor } = await asAdmin()
    const armored = readFileSync(file, 'utf8')
    const { publicOf, describePublicKey } = await import('../../backup/pgp')
    const info = await describePublicKey(await publicOf(armored)).catch((e: Error) => {
      throw new ExitError(1, `${file} is not an armored OpenPGP private key: ${e.message}`)
    })
    s.backup.store.setSecret(PRIVATE_KEY_SECRET, armored)
    await s.audit.record(actor, { action: 'backup.key.import', targetType: 'backup-key', targetKey: info.fingerprint })
    print(info, () => `private key ${info.fingerprint} imported`)
  })

  const bench = program.commands.find((c) => c.name() === 'bench')
  bench
    ?.command('backup')
    .description('backup, verify and restore-drill rates and RTO on a stack of its own, plus zstd against lz4')
    .option('--records <n>', 'generated records to load', '100000')
    .option('--keep', 'keep the bench stack afterwards')
    .action(async (o: { records: string; keep?: boolean }) => {
      const { runBackupBench } = await import('../../bench/backup-bench')
      const home = resolveHome(kit.globals().home)
      const r = await runBackupBench({ records: Number(o.records), keep: Boolean(o.keep), resultsDir: join(home, 'bench'), log: (l) => process.stderr.write(l + '\n') })
      print(r, () => 'done')
    })
}
