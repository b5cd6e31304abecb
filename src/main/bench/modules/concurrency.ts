import type { BenchLatency, BenchTarget } from '../../../shared/schemas/bench'
import { withClient } from '../../db/connection'
import { createDockerClient } from '../../stack/docker-client'
import { containerName } from '../../stack/spec'
import { generateRecords } from '../generate-records'
import { measurePaced, percentiles } from '../latency'
import { countOf } from '../suite/bench-mirror'
import { runPgbench } from '../suite/pgbench'
import type { BenchModule, ModuleOutput, SuiteContext } from '../suite/types'

export const CLIENT_LEVELS = [20, 50, 100, 200]
/**
 * An agent's pace in the paced load: a query every 100 ms. Back-to-back clients are measured too
 * (saturation), but there every client waits its turn: by Little's law latency ≈ clients ÷ throughput.
 */
export const AGENT_RATE = 10

const pick = (p: ReturnType<typeof percentiles>) => ({ p50: p.p50, p95: p.p95, p99: p.p99, max: p.max })
const line = (l: BenchLatency): string =>
  `${l.label.padEnd(40)} ${l.client.padEnd(14)} ${String(l.clients).padStart(3)} clients  ${l.qps.toFixed(0).padStart(6)} q/s  p50 ${l.p50.toFixed(2)} ms  p95 ${l.p95.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms  errors ${l.errors}`

/** Back-to-back calls from `clients` workers for `seconds`. */
async function measureFor(clients: number, seconds: number, fn: (i: number) => Promise<unknown>) {
  const latencies: number[] = []
  let errors = 0
  let n = 0
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const t = performance.now()
      try {
        await fn(n++)
        latencies.push(performance.now() - t)
      } catch {
        errors++
      }
    }
  }))
  return { latencies, errors, seconds: (performance.now() - t0) / 1000 }
}

/** k_number of 510(k) record i as the generator makes it (below index 1,000,000), so pgbench can draw keys itself. */
export const kNumberOf = (i: number): string => 'K' + String((i * 7_654_321 + 1_234_567) % 1_000_000).padStart(6, '0')

/** The pgbench script: a random existing 510(k) looked up by its key, the same formula as `kNumberOf`. */
export const pgbenchScript = (count: number): string =>
  [`\\set i random(0, ${count - 1})`, '\\set k (:i * 7654321 + 1234567) % 1000000', "SELECT record FROM openfda.device_510k WHERE k_number = 'K' || lpad((:k)::text, 6, '0');", ''].join('\n')

/** PgBouncer settings that decide whether 200 clients get in and how they queue. */
async function pgbouncerConfig(ctx: SuiteContext, target: Parameters<typeof withClient>[0]): Promise<Record<string, string>> {
  return withClient(target, async (c) => {
    const rows = (await c.query('SHOW CONFIG')).rows as Record<string, unknown>[]
    const want = ['max_client_conn', 'default_pool_size', 'reserve_pool_size', 'pool_mode', 'max_db_connections', 'max_user_connections']
    return Object.fromEntries(rows.filter((r) => want.includes(String(r.key))).map((r) => [String(r.key), String(r.value)]))
  }).catch((e: Error) => (ctx.log(`could not read PgBouncer's settings: ${e.message}`), {}))
}

/**
 * Key lookups from 20, 50, 100 and 200 concurrent clients through PgBouncer, as the read-only role:
 * pgbench (C, in the stack image) and the console's own client (node-postgres pool) side by side.
 */
export async function runConcurrency(ctx: SuiteContext): Promise<ModuleOutput> {
  const size = ctx.quick ? Math.min(...ctx.sizes) : Math.max(...ctx.sizes)
  const mirror = await ctx.mirror(size)
  const count = Math.min(countOf('510k', mirror.size), 1_000_000)
  // The pgbench script computes keys with the generator's formula: check it still holds before relying on it.
  for (const i of [0, 1, 17, count - 1]) {
    const real = String(generateRecords('510k', 1, { seed: 1, startIndex: i }).next().value!.k_number)
    if (real !== kNumberOf(i)) throw new Error(`the generator's k_number of record ${i} is ${real}, the bench expects ${kNumberOf(i)}: update kNumberOf`)
  }
  const target = mirror.readerTarget()
  const config = await pgbouncerConfig(ctx, mirror.s.stack.target('pgbouncer', 'pgbouncer'))
  const notes: string[] = []
  if (config.max_client_conn && Number(config.max_client_conn) < Math.max(...CLIENT_LEVELS) + 10) notes.push(`PgBouncer max_client_conn is ${config.max_client_conn}: too low for ${Math.max(...CLIENT_LEVELS)} clients`)
  const container = createDockerClient().getContainer(containerName(mirror.stackName, 'pgbouncer'))
  const seconds = ctx.quick ? 3 : 15
  const latencies: BenchLatency[] = []
  const connects: Record<string, number> = {} // seconds to connect N clients through PgBouncer (SCRAM)
  const rand = (n: number, i: number): number => (i * 2654435761) % n
  const keys = Array.from({ length: 4096 }, (_, i) => kNumberOf(rand(count, i + 1)))
  const sql = 'SELECT record FROM openfda.device_510k WHERE k_number = $1'
  const loads = [
    { group: 'key-lookup-paced', label: `key lookup, ${AGENT_RATE} q/s per client`, rate: AGENT_RATE, levels: CLIENT_LEVELS },
    // quick: saturation only at the ends of the range
    { group: 'key-lookup-saturated', label: 'key lookup, back-to-back (saturation)', rate: null, levels: ctx.quick ? [CLIENT_LEVELS[0], CLIENT_LEVELS[CLIENT_LEVELS.length - 1]] : CLIENT_LEVELS }
  ]
  for (const load of loads) {
    for (const clients of load.levels) {
      ctx.signal.throwIfAborted()
      let connectSeconds = 0
      ctx.progress(`${load.label}: node-postgres, ${clients} clients`)
      const pool = mirror.pool(clients)
      try {
        // connect every client first: the handshakes are not what is measured
        const c0 = performance.now()
        const conns = await Promise.all(Array.from({ length: clients }, () => pool.connect()))
        connectSeconds = (performance.now() - c0) / 1000
        connects[`${load.group} ${clients}`] = Math.round(connectSeconds * 1000) / 1000
        conns.forEach((c) => c.release())
        const query = (i: number) => pool.query(sql, [keys[i % keys.length]])
        await (load.rate ? measurePaced(clients, load.rate, 1, query) : measureFor(clients, 1, query)) // warm-up, not counted
        const m = load.rate ? await measurePaced(clients, load.rate, seconds, query) : await measureFor(clients, seconds, query)
        const row = { label: load.label, group: load.group, client: 'node-postgres', size: mirror.size, clients, queries: m.latencies.length + m.errors, errors: m.errors, qps: m.latencies.length / m.seconds, ...pick(percentiles(m.latencies)) }
        latencies.push(row)
        ctx.log(line(row))
      } finally {
        await pool.end()
      }
      ctx.progress(`${load.label}: pgbench, ${clients} clients for ${seconds} s`)
      // SCRAM handshakes of many clients take seconds on two cores (as the pool's connect just did): pgbench's -T
      // includes them; the first second after they are done is warm-up (PgBouncer opens server connections on demand)
      const pb = await runPgbench(container, { ...target, script: pgbenchScript(count), clients, seconds, warmupSeconds: 1, connectSeconds: 1 + 1.5 * connectSeconds, rate: load.rate ? load.rate * clients : undefined })
      const pbErrors = pb.summary.failed + pb.summary.abortedClients
      if (pb.latency) {
        const row = { label: load.label, group: load.group, client: 'pgbench', size: mirror.size, clients, queries: pb.summary.processed, errors: pbErrors, qps: pb.summary.tps, ...pick(pb.latency) }
        latencies.push(row)
        ctx.log(line(row))
      } else notes.push(`pgbench with ${clients} clients logged no transactions: ${pb.output.trim().slice(-300)}`)

    }
  }
  const maxLevel = Math.max(...CLIENT_LEVELS)
  const at200 = latencies.filter((l) => l.clients === maxLevel && l.group === 'key-lookup-paced')
  const errors = latencies.reduce((a, l) => a + l.errors, 0)
  const expected = loads.reduce((a, l) => a + l.levels.length * 2, 0)
  const targets: BenchTarget[] = [
    ...at200.map((l) => ({ label: `p99 key lookup through PgBouncer, ${maxLevel} clients at ${AGENT_RATE} q/s each (${l.client})`, value: l.p99, unit: 'ms', target: '< 20 ms', met: l.p99 < 20, note: `${l.size?.toLocaleString('en-US')} records` })),
    {
      label: 'errors at every concurrency level (both clients, both loads)', value: errors, unit: 'errors', target: '0', met: errors === 0 && latencies.length === expected,
      note: latencies.length === expected ? null : `${expected - latencies.length} of ${expected} loads measured nothing (see the notes)`
    }
  ]
  return { latencies, targets, notes, details: { pgbouncer: config, secondsPerLevel: seconds, perClientRate: AGENT_RATE, records: mirror.size, connectSeconds: connects } }
}

export const concurrencyBench: BenchModule = {
  name: 'concurrency', title: 'Concurrency: 20–200 clients through PgBouncer',
  compares: 'pgbench vs the console\'s node-postgres client, key lookups as the read-only role', available: true, run: runConcurrency
}
