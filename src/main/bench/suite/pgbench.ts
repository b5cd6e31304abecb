import { randomBytes } from 'node:crypto'
import type Docker from 'dockerode'
import { execWithEnv } from '../../stack/container-exec'
import { percentiles } from '../latency'

/** pgbench of the stack image (PostgreSQL 15), run in the PgBouncer container, which shares the host's network. */
export const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench'


export interface PgbenchSummary {
  processed: number
  failed: number
  abortedClients: number
  tps: number
}

/** The figures of pgbench's report (PostgreSQL 15 wording); aborted clients are counted from its error lines. */
export function parsePgbenchReport(output: string): PgbenchSummary {
  const num = (re: RegExp): number => Number(re.exec(output)?.[1] ?? NaN)
  return {
    processed: num(/number of transactions actually processed:\s*(\d+)/),
    failed: Number(/number of failed transactions:\s*(\d+)/.exec(output)?.[1] ?? 0),
    abortedClients: (output.match(/client \d+ aborted/g) ?? []).length,
    tps: num(/tps = ([\d.]+) \(without initial connection time\)/)
  }
}

/**
 * Per-transaction log lines (`client_id transaction_no time_us script_no epoch epoch_us`) → latencies
 * in ms; failed ones are skipped, and so are those that ended in the first `warmupSeconds` (clients
 * still connecting, PgBouncer still opening its server connections).
 */
export function parsePgbenchLog(text: string, warmupSeconds = 0): number[] {
  const rows: [number, number][] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 6) continue
    const us = Number(f[2])
    const end = Number(f[4]) + Number(f[5]) / 1e6
    if (Number.isFinite(us) && Number.isFinite(end)) rows.push([us / 1000, end])
  }
  const first = Math.min(...rows.map((r) => r[1]))
  return rows.filter((r) => r[1] >= first + warmupSeconds).map((r) => r[0])
}

export interface PgbenchRun {
  clients: number
  seconds: number
  summary: PgbenchSummary
  latency: ReturnType<typeof percentiles> | null
  output: string
}

/** A read-only custom script for `clients` clients during `seconds` (back-to-back, or at `rate` transactions/s in all), with per-transaction logging for percentiles. */
export async function runPgbench(container: Docker.Container, o: { port: number; user: string; password: string; database: string; script: string; clients: number; seconds: number; warmupSeconds?: number; connectSeconds?: number; rate?: number }): Promise<PgbenchRun> {
  const tag = `/tmp/fda-bench-${randomBytes(4).toString('hex')}`
  const env = [`PGPASSWORD=${o.password}`]
  const wrote = await execWithEnv(container, ['sh', '-c', `cat > ${tag}.sql`], [], o.script)
  if (wrote.exitCode !== 0) throw new Error(`could not write the pgbench script in the container: ${wrote.output}`)
  try {
    const r = await execWithEnv(container, [
      PGBENCH, '-n', '-h', '127.0.0.1', '-p', String(o.port), '-U', o.user, '-d', o.database,
      '-c', String(o.clients), '-j', '2', // -T counts from the start, connections included: allow for them on top of warm-up and measurement
      '-T', String(Math.ceil(o.seconds + (o.warmupSeconds ?? 0) + (o.connectSeconds ?? 0))), '-M', 'simple', '-f', `${tag}.sql`, '-l', `--log-prefix=${tag}-log`,
      // -R: a fixed arrival rate; each transaction's logged time then counts from when it was due
      ...(o.rate ? ['-R', String(o.rate)] : [])
    ], env)
    const summary = parsePgbenchReport(r.output)
    if (r.exitCode !== 0 && !Number.isFinite(summary.processed)) throw new Error(`pgbench exited with ${r.exitCode}: ${r.output.trim().slice(-800)}`)
    const log = await execWithEnv(container, ['sh', '-c', `cat ${tag}-log.* 2>/dev/null; true`], [])
    const latencies = parsePgbenchLog(log.output, o.warmupSeconds ?? 0)
    return { clients: o.clients, seconds: o.seconds, summary, latency: latencies.length ? percentiles(latencies) : null, output: r.output }
  } finally {
    await execWithEnv(container, ['sh', '-c', `rm -f ${tag}.sql ${tag}-log.*`], []).catch(() => {})
  }
}
