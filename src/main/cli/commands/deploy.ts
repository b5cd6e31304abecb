import type { DeployStatus, Guardrail, SwitchRecord } from '../../../shared/contracts/deploy'
import { ExitError, type CliKit } from '../main'

/** `fda-offline deploy …`: blue-green prepare, verify, promote, rollback, retire, status. */
export function registerDeployCommands(kit: CliKit): void {
  const { program, open, runJob, print, json } = kit
  const deploy = program.command('deploy').description('blue-green: prepare the standby, check guardrails, promote, roll back, retire')

  /** Signing re-uses the password given with --user NAME --password-stdin (read once, never from argv). */
  const signature = (): { username: string; password: string } => {
    const user = kit.globals().user
    const password = kit.signPassword()
    if (!user || !password) throw new ExitError(2, 'signing needs --user NAME --password-stdin (the password is read from standard input)')
    return { username: user, password }
  }

  deploy
    .command('status')
    .description('live and standby colors, their health, versions, rows and digests, replication lag, switch history')
    .option('--no-content', 'skip counting rows and digests')
    .action(async (o: { content: boolean }) => {
      const { api } = await open()
      const st = await api.deploy.status({ content: o.content })
      print(st, () => formatDeployStatus(st))
    })

  deploy
    .command('verify')
    .description('run the guardrails for a switch to the standby; exit 1 if any fails')
    .action(async () => {
      const { api } = await open()
      const v = await api.deploy.verify()
      print(v, () => `${v.from.toUpperCase()} → ${v.to.toUpperCase()}\n${formatGuardrails(v.guardrails)}`)
      if (!v.ok) throw new ExitError(1, `guardrails fail: ${v.guardrails.filter((g) => !g.ok).map((g) => g.id).join(', ')}`)
    })

  deploy
    .command('prepare')
    .description('create the standby color as a copy of the live one, with operator tables replicated to it')
    .action(async () => {
      const { s, api } = await open()
      await runJob(s, api, api.deploy.prepare())
    })

  for (const kind of ['promote', 'rollback'] as const) {
    deploy
      .command(kind)
      .description(kind === 'promote' ? 'switch PgBouncer to the standby (e-signed, meaning approval)' : 'switch back to the previous color (e-signed, meaning approval)')
      .option('--override <reason>', 'admins: go ahead although guardrails fail (the reason is signed and recorded)')
      .action(async (o: { override?: string }) => {
        const { s, api } = await open()
        const job = await api.deploy[kind]({ ...signature(), overrideReason: o.override })
        await runJob(s, api, Promise.resolve(job)).finally(async () => {
          const last = (await api.deploy.history())[0]
          if (last && !json()) process.stderr.write(formatSwitch(last) + '\n')
        })
      })
  }

  deploy
    .command('retire')
    .description('after the warm window: stop replication to the previous color and remove it (e-signed)')
    .action(async () => {
      const { s, api } = await open()
      await runJob(s, api, api.deploy.retire(signature()))
    })
}

export function formatGuardrails(gs: Guardrail[]): string {
  return gs.map((g) => `${g.ok ? 'PASS' : 'FAIL'}  ${g.name}: ${g.detail}${g.fix ? `\n      fix: ${g.fix}` : ''}`).join('\n')
}

export function formatSwitch(r: SwitchRecord): string {
  const steps = r.steps.map((s) => `${s.step} ${s.ms} ms`).join(', ')
  return `${r.startedAt} ${r.kind} ${r.from.toUpperCase()} → ${r.to.toUpperCase()} ${r.state}; pause ${r.pauseMs ?? '-'} ms; by ${r.by}${r.message ? `; ${r.message}` : ''}\n    ${steps}`
}

export function formatDeployStatus(st: DeployStatus): string {
  const out: string[] = [`live: ${st.live?.toUpperCase() ?? '-'}   standby: ${st.standby?.toUpperCase() ?? '-'}${st.warmUntil ? `   warm until ${st.warmUntil}` : ''}`]
  if (st.recovered) out.push(`recovered: ${st.recovered}`)
  for (const c of st.colors) {
    out.push('')
    out.push(`${c.color.toUpperCase()} (${c.role}) ${c.container} ${c.health} port ${c.port} PostgreSQL ${c.serverVersion ?? '-'} schema ${c.schemaVersion ?? '-'}${c.startedAt ? ` up since ${c.startedAt}` : ''}`)
    out.push(`  replication: ${c.replication.detail}${c.replication.lagMs !== null ? `, lag ${c.replication.lagMs} ms` : ''}`)
    for (const x of c.content)
      out.push(`  ${x.endpoint.padEnd(15)} ${String(x.rows).padStart(9)} rows  ${x.digest.slice(0, 12)}${x.expectedRows !== null ? `  expected ${x.expectedRows} ${x.expectedDigest?.slice(0, 12)} (${x.expectationSource})` : ''}`)
    if (c.error) out.push(`  error: ${c.error}`)
  }
  if (st.history.length) {
    out.push('')
    out.push('switches:')
    for (const r of st.history.slice(0, 10)) out.push(formatSwitch(r))
  }
  return out.join('\n')
}
