import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../src/main/cli/main'
import { BenchRun } from '../../src/shared/schemas/bench'
import { tempHome } from '../support/temp-home'

// Ports 60540–60570 (this area's block): the bench stacks use base..base+30. FDA_BENCH_TEST_BASE_PORT
// moves them when another checkout on this machine runs the same test.
const BASE_PORT = process.env.FDA_BENCH_TEST_BASE_PORT ?? '60540'
const t = tempHome({ stackName: 'fdatest-benchhome', ports: { blue: 60590, green: 60591, pgbouncer: 60592 } })
afterAll(() => t.cleanup())

describe('benchmark suite, quick mode (real stacks, real pgbench)', () => {
  it('runs every benchmark of this build, prints each ratio with both answers checked, and stores the run', async () => {
    let out = ''
    let err = ''
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true))
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true))
    let code: number
    try {
      // small sizes keep this test near three minutes; `npm run bench -- --quick` uses 10k and 50k
      code = await runCli(['--home', t.home, 'bench', 'run', '--quick', '--sizes', '2000,5000', '--base-port', BASE_PORT])
    } finally {
      so.mockRestore()
      se.mockRestore()
    }
    expect(code, err.slice(-3000)).toBe(0)
    // import: the pipeline against psql \copy of the same 5,000 records
    expect(out).toMatch(/import a JSON cache\s+5,000\s+[\d,]+ records\/s\s+[\d,]+ rows\/s\s+×\d+\.\d\d\s+yes \(5000 records\)/)
    // queries: every kind at both sizes, same answer on both sides, with a ratio
    for (const label of ['key lookup 510\\(k\\) by k_number', 'JSONB containment 510\\(k\\) \\{product_code\\}', 'date range MAUDE events received in one month', "name search 510\\(k\\) device_name ILIKE '%…%' \\(pg_trgm\\)", 'count 510\\(k\\) by product_code \\(top 100\\)'])
      for (const size of ['2,000', '5,000']) expect(out).toMatch(new RegExp(`${label}\\s+${size}\\s+[\\d.,]+ ms\\s+[\\d.,]+ ms\\s+×[\\d.,]+\\s+yes`))
    // concurrency: both clients at every level of the paced load, no errors
    for (const client of ['pgbench', 'node-postgres'])
      for (const n of [20, 50, 100, 200]) expect(out).toMatch(new RegExp(`key lookup, 10 q/s per client\\s+${client}\\s+${n}\\s+5,000\\s+[\\d,]+\\s+[\\d,]+(\\s+[\\d.]+){3}\\s+0\\n`))
    expect(out).toMatch(/met\s+concurrency\s+errors at every concurrency level/)
    // api: the local API over HTTP against the cache scan, same answer
    for (const label of ['local API key lookup 510\\(k\\) search=k_number:K', 'local API count=product_code.exact \\(top 100\\) over every 510\\(k\\)'])
      expect(out).toMatch(new RegExp(`${label}\\s+5,000\\s+[\\d.,]+ ms\\s+[\\d.,]+ ms\\s+×[\\d.,]+\\s+yes`))
    // backup: rates against bare pg_basebackup and a pg_dump restore; the drills' checks pass
    expect(out).toMatch(/base backup\s+5,000\s+[\d.,]+ MiB\/s\s+[\d.,]+ MiB\/s\s+×[\d.,]+\s+yes \([\d.]+ MiB stored, verify ok\)/)
    expect(out).toMatch(/restore drill\s+5,000\s+[\d.,]+ MiB\/s\s+[\d.,]+ MiB\/s\s+×[\d.,]+\s+yes \(all \d+ checks pass\)/)
    expect(out).toMatch(/RTO of a restore drill \(base backup\)\s+[\d.,]+ s/)
    // switch: promote and rollback pauses under 100 clients against the bare script, no failed transaction
    expect(out).toMatch(/promote pause under 100 clients\s+[\d.,]+ ms\s+[\d.,]+ ms\s+×[\d.,]+\s+yes \(BLUE → GREEN\)/)
    expect(out).toMatch(/rollback pause under 100 clients\s+[\d.,]+ ms\s+[\d.,]+ ms\s+×[\d.,]+\s+yes \(GREEN → BLUE\)/)
    expect(out).toMatch(/met\s+switch\s+failed pgbench transactions during the four switches/)

    const file = /stored in (\S+)/.exec(err)![1]
    const run = BenchRun.parse(JSON.parse(readFileSync(file, 'utf8')))
    expect(run.results.filter((r) => r.status === 'ok').map((r) => r.name)).toEqual(['import', 'queries', 'concurrency', 'api', 'backup', 'switch'])
    expect(run.machine.postgres).toMatch(/^15\./)
    expect(run.machine.pgbouncer).toMatch(/^1\.\d+/)
    expect(run.revision.commit).toMatch(/^[0-9a-f]{40}$/)
    // nothing of the bench stacks (the import's and the shared one, with its GREEN and drill scratch) is left behind
    const stacks = [...err.matchAll(/bench stack (fdabench-[0-9a-f]{6})/g)].map((m) => m[1])
    expect(stacks).toHaveLength(2)
    for (const name of stacks) {
      expect(execFileSync('docker', ['ps', '-a', '-q', '--filter', `name=${name}`]).toString().trim()).toBe('')
      expect(execFileSync('docker', ['volume', 'ls', '-q', '--filter', `name=${name}`]).toString().trim()).toBe('')
    }
  })
})
