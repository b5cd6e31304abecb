import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { bringStackUp } from '../app/lifecycle'
import { createServices, type Services } from '../app/services'
import { bulkLoad } from '../db/bulk-load'
import { READER_ROLE } from '../db/database'
import type { Endpoint } from '../openfda/endpoints'
import { execInContainer } from '../stack/container-exec'
import { createDockerClient } from '../stack/docker-client'
import { generateRecords } from './generate-records'
import { quietJob } from './bench-stack'

const MIX: [Endpoint, number][] = [['510k', 0.25], ['event', 0.2], ['enforcement', 0.15], ['udi', 0.15], ['recall', 0.1], ['pma', 0.1], ['classification', 0.05]]

export interface SwitchBenchOptions {
  records: number
  clients: number
  /** First port of three (BLUE, GREEN = +1, PgBouncer = +10) for the bench's own stack. */
  portBase: number
  keep: boolean
  resultsDir: string
  log: (line: string) => void
}

/**
 * Blue-green switch benchmark on a stack of its own, in one pgbench run of `clients` read-only
 * clients through PgBouncer: a bare script (psql PAUSE, config rewrite, RELOAD, RESUME, there and
 * back) and the console's switch (promote, rollback: the same plus proof of drain, replication
 * catch-up, reverse slot, sequences, lease). Also measures the two ways of preparing the standby:
 * the console's physical clone against pg_dump | pg_restore of the same database.
 */
export async function runSwitchBench(o: SwitchBenchOptions): Promise<Record<string, unknown>> {
  const home = mkdtempSync(join(tmpdir(), 'fda-bench-'))
  const stackName = `fdabench-${randomBytes(3).toString('hex')}`
  const ports = { blue: o.portBase, green: o.portBase + 1, pgbouncer: o.portBase + 10 }
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports }))
  const s = createServices({ host: 'cli', home })
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  const results: Record<string, unknown> = { at: new Date().toISOString(), records: o.records, clients: o.clients, machine: { cpus: cpus().length, cpu: cpus()[0]?.model } }
  try {
    o.log(`bench stack ${stackName}: starting`)
    await bringStackUp(s, { green: false, samples: false }, actor, quietJob('bench-up'))
    for (const [endpoint, share] of MIX) {
      await bulkLoad(s, endpoint, generateRecords(endpoint, Math.round(o.records * share), { seed: 1 }), 'bench:generated', actor, { jobId: `bench-${endpoint}` })
    }
    const bytes = await s.db.admin('blue', async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n')).rows[0].n))
    o.log(`loaded ${o.records} records (${(bytes / 1048576).toFixed(0)} MiB)`)

    const m = await measureSwitch(s, stackName, { clients: o.clients, log: o.log })
    results.prepare = m.prepare
    results.switch = { barePauseMs: m.barePauseMs, consolePauseMs: m.consolePauseMs, ratio: m.ratio, consoleSteps: m.consoleSteps, pgbench: m.pgbench, pgbenchFailed: m.pgbenchFailed }
    mkdirSync(o.resultsDir, { recursive: true })
    writeFileSync(join(o.resultsDir, `switch-${Date.now()}.json`), JSON.stringify(results, null, 2))
    return results
  } finally {
    if (!o.keep) {
      const job = s.jobs.start('bench-down', 'remove the bench stack', (ctx) => s.stack.down({ volumes: true }, ctx))
      await s.jobs.wait(job.id)
    }
    await s.close()
    rmSync(home, { recursive: true, force: true })
  }
}

export interface SwitchMeasurement {
  /** Database size, and the two ways of preparing the standby. */
  prepare: { bytes: number; dumpRestoreMs: number; cloneAndReplicationMs: number }
  /** Bare script there and back; console promote then rollback (ms from PAUSE to RESUME). */
  barePauseMs: number[]
  consolePauseMs: number[]
  ratio: number
  consoleSteps: { promote: unknown; rollback: unknown }
  clients: number
  loadSeconds: number
  /** pgbench's summary lines, and its failed transactions (+1 when a client aborted). */
  pgbench: string
  pgbenchFailed: number
}

/**
 * The measurement itself, on a running stack holding data (BLUE live, no GREEN yet): prepares GREEN
 * both ways, then, under one pgbench run of `clients` read-only clients through PgBouncer, switches
 * with the bare script there and back, then promotes and rolls back with the console. Leaves BLUE live.
 */
export async function measureSwitch(s: Services, stackName: string, o: { clients: number; log: (line: string) => void; signal?: AbortSignal }): Promise<SwitchMeasurement> {
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  const ports = s.stack.spec().ports
  const bytes = await s.db.admin('blue', async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n')).rows[0].n))
  // Preparing the standby: pg_dump | pg_restore (into a scratch database of BLUE) against the clone.
  const blue = createDockerClient().getContainer(`${stackName}-blue`)
  const dumpScript = `set -e; export PGPASSWORD="$(cat)"; a="-h 127.0.0.1 -p ${ports.blue} -U fda_admin"; createdb $a restore_probe;
    s=$(date +%s%N); pg_dump $a -Fc -Z1 mirror | pg_restore $a -d restore_probe; e=$(date +%s%N); dropdb $a restore_probe; echo $(( (e - s) / 1000000 ))`
  const dumpMs = Number((await execInContainer(blue, ['sh', '-c', dumpScript], s.stack.target('blue').password)).trim().split('\n').pop())
  o.signal?.throwIfAborted()
  const t = Date.now()
  await s.deploy.prepare(actor, quietJob('bench-prepare'))
  const cloneMs = Date.now() - t
  o.log(`prepare: pg_dump | pg_restore ${dumpMs} ms; console clone + replication set-up ${cloneMs} ms`)

  const guard = await s.deploy.verify()
  if (!guard.ok) throw new Error(`guardrails fail: ${guard.guardrails.filter((g) => !g.ok).map((g) => `${g.name}: ${g.detail}`).join('; ')}`)
  await s.consoleSettings.set(actor, 'deploy.healthWindowSeconds', 0).catch(() => {})
  o.signal?.throwIfAborted()

  const seconds = 18
  const load = pgbench(s, stackName, o.clients, seconds)
  const at = (sec: number) => new Promise((r) => setTimeout(r, sec * 1000))
  await at(3)
  const bare1 = await bareSwitch(s, stackName, ports.green)
  await at(2)
  const bare2 = await bareSwitch(s, stackName, ports.blue)
  await at(2)
  const promote = await s.deploy.switchTo('promote', 'blue', 'green', actor, null, null, quietJob('bench-promote'))
  await at(2)
  const rollback = await s.deploy.switchTo('rollback', 'green', 'blue', actor, null, null, quietJob('bench-rollback'))
  const bench = await load
  const bare = [bare1, bare2]
  const consoleMs = [promote.pauseMs ?? NaN, rollback.pauseMs ?? NaN]
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  o.log(`pgbench (${o.clients} clients, ${seconds} s, read-only, through PgBouncer): ${bench.summary}`)
  o.log(`bare script pause (PAUSE, rewrite, RELOAD, RESUME with psql): ${bare.map((x) => x.toFixed(1)).join(' ms, ')} ms`)
  o.log(`console pause (promote, rollback): ${consoleMs.map((x) => x.toFixed(1)).join(' ms, ')} ms`)
  o.log(`ratio console / bare: ${(avg(consoleMs) / avg(bare)).toFixed(2)}`)
  return {
    prepare: { bytes, dumpRestoreMs: dumpMs, cloneAndReplicationMs: cloneMs },
    barePauseMs: bare, consolePauseMs: consoleMs, ratio: avg(consoleMs) / avg(bare),
    consoleSteps: { promote: promote.steps, rollback: rollback.steps }, clients: o.clients, loadSeconds: seconds, pgbench: bench.summary, pgbenchFailed: bench.failed
  }
}

/** PAUSE, config rewrite, RELOAD, RESUME with psql inside PgBouncer's container; returns ms from PAUSE to RESUME. */
async function bareSwitch(s: Services, stackName: string, port: number): Promise<number> {
  const pgb = s.stack.spec().ports.pgbouncer
  const script = `export PGPASSWORD="$(cat)"; P="psql -X -q -h 127.0.0.1 -p ${pgb} -U fda_admin -d pgbouncer";
    s=$(date +%s%N); $P -c 'PAUSE mirror' && fda-pgbouncer-retarget ${port} && $P -c 'RELOAD' && $P -c 'RESUME mirror'; e=$(date +%s%N); echo $(( (e - s) / 1000 ))`
  const out = await execInContainer(createDockerClient().getContainer(`${stackName}-pgbouncer`), ['sh', '-c', script], s.stack.target('pgbouncer').password)
  return Number(out.trim().split('\n').pop()) / 1000
}

async function pgbench(s: Services, stackName: string, clients: number, seconds: number): Promise<{ summary: string; failed: number }> {
  const pgb = s.stack.spec().ports.pgbouncer
  const cmd = `printf '%s\\n' 'SELECT k_number FROM openfda.device_510k LIMIT 1;' 'SELECT inet_server_port();' > /tmp/fda-ro.sql;
    PGPASSWORD="$(cat)" pgbench -n -h 127.0.0.1 -p ${pgb} -U ${READER_ROLE} -c ${clients} -j 2 -T ${seconds} -f /tmp/fda-ro.sql mirror 2>&1`
  const out = await execInContainer(createDockerClient().getContainer(`${stackName}-pgbouncer`), ['sh', '-c', cmd], s.db.readerPassword())
  const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0) + (/aborted/.test(out) ? 1 : 0)
  return { summary: out.split('\n').filter((l) => /processed|failed|latency average|tps/.test(l)).join(' | '), failed }
}
