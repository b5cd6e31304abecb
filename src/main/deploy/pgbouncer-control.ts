import type Docker from 'dockerode'
import { PassThrough } from 'node:stream'
import { createInterface } from 'node:readline'
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

  /** A control session in PgBouncer's container for the steps inside a pause (see fda-pgbouncer-control). */
  async session(): Promise<ControlSession> {
    return ControlSession.open(this.container())
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

/**
 * `docker exec -i fda-pgbouncer-control`, kept open for one switch: each command is a line on its
 * stdin and one answer line on its stdout, a round trip of a few milliseconds instead of a new exec.
 */
export class ControlSession {
  private readonly answers: string[] = []
  private waiter: ((line: string) => void) | null = null
  private closed = false

  private constructor(private readonly stream: NodeJS.ReadWriteStream & { destroy(): void }) {}

  static async open(container: Docker.Container): Promise<ControlSession> {
    const exec = await container.exec({ Cmd: ['fda-pgbouncer-control'], AttachStdin: true, AttachStdout: true, AttachStderr: true })
    const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as NodeJS.ReadWriteStream & { destroy(): void }
    const out = new PassThrough()
    container.modem.demuxStream(stream, out, new PassThrough())
    const session = new ControlSession(stream)
    createInterface({ input: out }).on('line', (line) => session.answer(line))
    stream.on('end', () => session.answer('err the control session ended'))
    stream.on('error', () => session.answer('err the control session failed'))
    return session
  }

  private answer(line: string): void {
    if (this.waiter) {
      const w = this.waiter
      this.waiter = null
      w(line)
    } else this.answers.push(line)
  }

  async send(command: string, timeoutMs = 3000): Promise<string> {
    if (this.closed) throw new Error('the control session is closed')
    const line = new Promise<string>((resolve, reject) => {
      const queued = this.answers.shift()
      if (queued !== undefined) return resolve(queued)
      const timer = setTimeout(() => {
        this.waiter = null
        reject(new Error(`PgBouncer's container did not answer "${command}" within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiter = (l) => {
        clearTimeout(timer)
        resolve(l)
      }
    })
    this.stream.write(command + '\n')
    const answer = await line
    if (!answer.startsWith('ok')) throw new Error(`PgBouncer's container: ${answer}`)
    return answer
  }

  lease(deadlineEpochMs: number, restorePort: number, id: string): Promise<string> {
    return this.send(`lease ${Math.round(deadlineEpochMs)} ${restorePort} ${id}`)
  }
  retarget(port: number): Promise<string> {
    return this.send(`retarget ${port}`)
  }
  /** The rewritten config, prepared before the pause… */
  stage(port: number): Promise<string> {
    return this.send(`stage ${port}`)
  }
  /** …and put in place inside it with a single rename. */
  commit(port: number): Promise<string> {
    return this.send(`commit ${port}`)
  }
  clear(id: string): Promise<string> {
    return this.send(`clear ${id}`)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.stream.end()
    setTimeout(() => this.stream.destroy(), 1000).unref()
  }
}
