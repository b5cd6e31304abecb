import { execInContainer } from '../../src/main/stack/container-exec'
import { createDockerClient } from '../../src/main/stack/docker-client'

export interface PgbenchSummary {
  output: string
  processed: number
  failed: number
  aborted: boolean
  tps: number
  exitCode: number
}

/**
 * A bounded read-only pgbench load through PgBouncer, run inside the stack's PgBouncer container
 * (host networking, pgbench from the image's postgresql-15): `clients` connections for `seconds`.
 */
export async function pgbench(stackName: string, opts: { port: number; user: string; password: string; clients: number; seconds: number }): Promise<PgbenchSummary> {
  const docker = createDockerClient()
  const cmd = [
    'sh', '-c',
    `printf '%s\\n' 'SELECT k_number FROM openfda.device_510k LIMIT 1;' 'SELECT inet_server_port();' > /tmp/fda-ro.sql; PGPASSWORD="$(cat)" pgbench -n -h 127.0.0.1 -p ${opts.port} -U ${opts.user} -c ${opts.clients} -j 2 -T ${opts.seconds} -f /tmp/fda-ro.sql mirror 2>&1; echo "exit=$?"`
  ]
  const out = await execInContainer(docker.getContainer(`${stackName}-pgbouncer`), cmd, opts.password)
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? NaN)
  return {
    output: out,
    processed: num(/number of transactions actually processed: (\d+)/),
    failed: /number of failed transactions: (\d+)/.test(out) ? num(/number of failed transactions: (\d+)/) : 0,
    aborted: /aborted|error/i.test(out.replace(/number of failed transactions.*\n/, '')),
    tps: num(/tps = ([\d.]+)/),
    exitCode: num(/exit=(\d+)/)
  }
}

/** The summary lines worth quoting. */
export function pgbenchSummary(s: PgbenchSummary): string {
  return s.output.split('\n').filter((l) => /clients|duration|processed|failed|latency average|tps/.test(l)).join(' | ')
}
