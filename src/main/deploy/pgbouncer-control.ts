import type Docker from 'dockerode'
import pg from 'pg'
import { execInContainer } from '../stack/container-exec'
import { parseDatabases, parseVersion, show, type DatabaseEntry } from '../stack/pgbouncer-admin'
import { MIRROR_DB, containerName } from '../stack/spec'
import type { StackService } from '../stack/stack-service'

export class PauseTimeout extends Error {}

/**
 * PgBouncer's side of a switch: admin-console connections, the pause lease read by the watchdog in
 * PgBouncer's container (resources/image/fda-pgbouncer-watchdog), and the atomic config rewrite.
 * The admin console speaks only the simple protocol: commands never carry parameters.
 */
export class BouncerControl {
  constructor(
    private readonly docker: Docker,
    private readonly stack: StackService
  ) {}

  private container(): Docker.Container {
    return this.docker.getContainer(containerName(this.stack.spec().stackName, 'pgbouncer'))
  }

  /** A dedicated admin-console connection (a PAUSE gets its own, so a hung PAUSE can be dropped alone). */
  async connect(): Promise<pg.Client> {
    const t = this.stack.target('pgbouncer', 'pgbouncer')
    const c = new pg.Client({ host: '127.0.0.1', port: t.port, user: t.user, password: t.password, database: 'pgbouncer', connectionTimeoutMillis: 3000, application_name: 'fda-offline-deploy' })
    c.on('error', () => {})
    await c.connect()
    return c
  }

  async mirror(c: pg.Client): Promise<DatabaseEntry | null> {
    return parseDatabases(await show(c, 'DATABASES')).find((d) => d.name === MIRROR_DB) ?? null
  }

  async version(c: pg.Client): Promise<string | null> {
    return parseVersion(await show(c, 'VERSION'))
  }

  /** Server connections PgBouncer still holds for the mirror database (by column name). */
  async mirrorServers(c: pg.Client): Promise<number> {
    return (await show(c, 'SERVERS')).filter((r) => r.database === MIRROR_DB).length
  }

  /**
   * PAUSE with a client-side deadline. Proof of drain starts here: the tag must be exactly PAUSE (a
   * stale WAIT_CLOSE can answer a PAUSE early with tag WAIT). On timeout the connection is destroyed
   * (a RESUME sent while this PAUSE is pending would leave it hanging for good).
   */
  async pause(c: pg.Client, withinMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined
    const q = c.query('PAUSE mirror')
    q.catch(() => {})
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PauseTimeout(`PAUSE did not return within ${withinMs} ms (a transaction is still running)`)), withinMs)
    })
    try {
      const r = await Promise.race([q, timeout])
      return String(r.command)
    } catch (e) {
      if (e instanceof PauseTimeout) destroy(c)
      throw e
    } finally {
      clearTimeout(timer)
    }
  }

  async setLease(deadlineEpochMs: number, restorePort: number, id: string): Promise<void> {
    await execInContainer(this.container(), ['fda-pgbouncer-lease', 'set', String(Math.round(deadlineEpochMs)), String(restorePort), id])
  }

  async clearLease(id: string): Promise<void> {
    await execInContainer(this.container(), ['fda-pgbouncer-lease', 'clear', id])
  }

  /** The lease (if still there) and the watchdog's recent log lines. */
  async leaseReport(): Promise<string[]> {
    return (await execInContainer(this.container(), ['fda-pgbouncer-lease', 'report'])).split('\n').filter(Boolean)
  }

  /** Atomic rewrite of the [databases] line (temp file + rename inside the container). */
  async retarget(port: number): Promise<void> {
    await execInContainer(this.container(), ['fda-pgbouncer-retarget', String(port)])
  }
}

export function destroy(c: pg.Client): void {
  const stream = (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream
  stream?.destroy()
  void c.end().catch(() => {})
}
