import type { BenchComparison, BenchTarget } from '../../../shared/schemas/bench'
import { measureSwitch, type SwitchMeasurement } from '../switch-bench'
import type { BenchModule, ModuleOutput, SuiteContext } from '../suite/types'

/** The load the pause is measured under (the issue's target is for 100 clients). */
export const SWITCH_CLIENTS = 100

/**
 * The switch bench's numbers in the suite's shape (pure: unit-tested). Pauses are "lower is better",
 * so each ratio is bare ÷ console: below 1 means the console's checks (drain proof, catch-up,
 * lease) cost that much extra pause. The pauses do not depend on the data size: `size` is null.
 */
export function switchOutput(m: SwitchMeasurement, records: number): ModuleOutput {
  const ok = (x: number): boolean => Number.isFinite(x) && x > 0
  // a pause not measured (NaN) is stored as 0 and marked unverified: stored runs are JSON, which has no NaN
  const val = (x: number): number => (ok(x) ? x : 0)
  const pause = (label: string, group: string, consoleMs: number, bareMs: number, answer: string): BenchComparison => ({
    label, group, size: null,
    console: { name: `console ${group.replace('switch-', '')} (pause, ${m.clients} clients)`, value: val(consoleMs), unit: 'ms' },
    baseline: { name: 'bare psql script: PAUSE, rewrite, RELOAD, RESUME', value: val(bareMs), unit: 'ms' },
    ratio: ok(consoleMs) && ok(bareMs) ? bareMs / consoleMs : 0, verified: ok(consoleMs) && ok(bareMs), answer
  })
  const [promote, rollback] = m.consolePauseMs
  const [bareThere, bareBack] = m.barePauseMs
  const comparisons: BenchComparison[] = [
    pause(`promote pause under ${m.clients} clients`, 'switch-promote', promote, bareThere, 'BLUE → GREEN'),
    pause(`rollback pause under ${m.clients} clients`, 'switch-rollback', rollback, bareBack, 'GREEN → BLUE'),
    {
      label: 'prepare the standby', group: 'switch-prepare', size: null,
      console: { name: 'console physical clone + replication set-up', value: val(m.prepare.cloneAndReplicationMs) / 1000, unit: 's' },
      baseline: { name: 'pg_dump | pg_restore of the same database', value: val(m.prepare.dumpRestoreMs) / 1000, unit: 's' },
      ratio: ok(m.prepare.cloneAndReplicationMs) && ok(m.prepare.dumpRestoreMs) ? m.prepare.dumpRestoreMs / m.prepare.cloneAndReplicationMs : 0,
      verified: ok(m.prepare.cloneAndReplicationMs) && ok(m.prepare.dumpRestoreMs), answer: `${(m.prepare.bytes / 2 ** 20).toFixed(0)} MiB database`
    }
  ]
  const targets: BenchTarget[] = [
    {
      label: `promote pause under ${m.clients} clients`, value: ok(promote) ? promote : null, unit: 'ms', target: '< 1000 ms',
      met: ok(promote) ? promote < 1000 : false, note: `${records.toLocaleString('en-US')} records; rollback ${ok(rollback) ? `${rollback.toFixed(0)} ms` : 'not measured'}`
    },
    {
      label: 'failed pgbench transactions during the four switches', value: m.pgbenchFailed, unit: 'errors', target: '0', met: m.pgbenchFailed === 0,
      note: m.pgbenchFailed ? m.pgbench : null
    }
  ]
  return {
    comparisons, targets,
    notes: [
      `pgbench, ${m.clients} read-only clients through PgBouncer for ${m.loadSeconds} s across all four switches: ${m.pgbench}`,
      'ratio = bare pause ÷ console pause (below 1: what the console\'s proof of drain, catch-up and lease add to the pause)'
    ],
    details: { records, clients: m.clients, barePauseMs: m.barePauseMs.map((x) => (ok(x) ? x : null)), consolePauseMs: m.consolePauseMs.map((x) => (ok(x) ? x : null)), prepare: m.prepare, consoleSteps: m.consoleSteps }
  }
}

/**
 * The blue-green switch bench (`fda-offline bench switch`) on the suite's mirror: prepares GREEN,
 * then under 100 pgbench clients switches with the bare script and with the console. Last in the
 * suite: it leaves GREEN standing (BLUE live again), which nothing after it depends on.
 */
export async function runSwitch(ctx: SuiteContext): Promise<ModuleOutput> {
  const mirror = await ctx.mirror(ctx.quick ? Math.min(...ctx.sizes) : Math.max(...ctx.sizes))
  ctx.progress(`preparing GREEN, then switching under ${SWITCH_CLIENTS} clients`)
  const m = await measureSwitch(mirror.s, mirror.stackName, { clients: SWITCH_CLIENTS, log: ctx.log, signal: ctx.signal })
  return switchOutput(m, mirror.size)
}

export const switchBench: BenchModule = {
  name: 'switch', title: 'Blue-green switch: promote and rollback pause under load',
  compares: `pause seen by ${SWITCH_CLIENTS} pgbench clients: console promote/rollback vs a bare psql PAUSE/RELOAD/RESUME script`, available: true, run: runSwitch
}
