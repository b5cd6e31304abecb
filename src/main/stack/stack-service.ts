import { statfs } from 'node:fs/promises'
import type Docker from 'dockerode'
import type { Color, ContainerStatus, StackRole, StackStatus } from '../../shared/schemas'
import type { SecretStore } from '../config/secrets'
import { ensureSecret } from '../config/secrets'
import { defaultPgMemoryMb, type Settings } from '../config/settings'
import { withClient, type Target } from '../db/connection'
import type { JobContext } from '../jobs/job-manager'
import { execInContainer } from './container-exec'
import { demuxDockerLog, pingDocker } from './docker-client'
import { ensureImage, imagePresent } from './image'
import { parseDatabases, parsePools, parseVersion, show } from './pgbouncer-admin'
import { portIsFree } from './port-check'
import { imageTagFor } from './recipe'
import {
  ADMIN_USER, PG_PASSWORD_FILE, LABEL_CONFIG, LABEL_STACK, MIRROR_DB, configKey, containerName, pgbouncerContainer, postgresContainer,
  volumeNames, type StackSpec
} from './spec'
import { secretFileTar } from './secret-file'
import { TlsState, tlsFor } from './tls'
import { StackError } from './stack-error'

export const PG_PASSWORD_SECRET = 'stack.pgPassword'
const ROLES: StackRole[] = ['blue', 'green', 'pgbouncer']

/** Brings a stack's containers up and down through dockerode, and reports on them. */
export class StackService {
  private volumeSizes: { at: number; sizes: Map<string, number | null> } | null = null

  constructor(
    private readonly docker: Docker,
    private readonly settings: Settings,
    private readonly secrets: SecretStore,
    private readonly resourcesDir: string,
    private readonly home: string
  ) {}

  /** Which of this stack's containers serve TLS (see ./tls.ts). */
  get tls(): TlsState {
    return new TlsState(this.home, this.settings.stackName)
  }

  /** A container of this stack, for exec (TLS installation). */
  container(role: StackRole): Docker.Container {
    return this.docker.getContainer(containerName(this.settings.stackName, role))
  }

  spec(): StackSpec {
    return {
      stackName: this.settings.stackName,
      imageTag: imageTagFor(this.resourcesDir),
      ports: this.settings.ports,
      pgMemoryMb: this.settings.pgMemoryMb ?? defaultPgMemoryMb()
    }
  }

  private password(): string {
    return ensureSecret(this.secrets, PG_PASSWORD_SECRET)
  }

  /** Connection details for a role, for the data layer and for status probes. Always 127.0.0.1. */
  target(role: StackRole, database = MIRROR_DB): Target {
    return { port: this.settings.ports[role], user: ADMIN_USER, password: this.password(), database, ssl: tlsFor(this.secrets, this.tls, role, this.settings.tls) }
  }

  ping(): Promise<{ version: string; apiVersion: string }> {
    return pingDocker(this.docker)
  }

  async buildImage(ctx: JobContext): Promise<string> {
    await pingDocker(this.docker)
    return ensureImage(this.docker, this.resourcesDir, this.settings, ctx)
  }

  async up(opts: { green: boolean }, ctx: JobContext): Promise<string> {
    const spec = this.spec()
    const password = this.password()
    // GREEN also when it exists already (prepared for, or live after, a blue-green switch).
    const greenExists = await this.docker.getContainer(containerName(spec.stackName, 'green')).inspect().then(() => true, () => false)
    const colors: Color[] = opts.green || greenExists ? ['blue', 'green'] : ['blue']
    const steps = 2 + colors.length + 1
    let step = 0
    const next = (phase: string, message: string): void => ctx.report({ phase, done: step++, total: steps, unit: 'steps', message })

    next('docker', 'checking the Docker engine')
    await pingDocker(this.docker)
    next('image', `ensuring image ${spec.imageTag}`)
    await ensureImage(this.docker, this.resourcesDir, this.settings, ctx)
    for (const color of colors) {
      this.throwIfCancelled(ctx)
      next(color, `starting ${color.toUpperCase()} on 127.0.0.1:${spec.ports[color]}`)
      await this.ensureContainer(color, postgresContainer(spec, color, password), configKey(spec, color))
      await this.waitHealthy(color, ctx)
    }
    this.throwIfCancelled(ctx)
    next('pgbouncer', `starting PgBouncer on 127.0.0.1:${spec.ports.pgbouncer}`)
    await this.ensureContainer('pgbouncer', pgbouncerContainer(spec, spec.ports.blue, password), configKey(spec, 'pgbouncer'))
    await this.waitHealthy('pgbouncer', ctx)
    const version = await withClient(this.target('pgbouncer', 'pgbouncer'), async (c) => parseVersion(await show(c, 'VERSION')))
    ctx.report({ phase: 'ready', done: steps, total: steps, message: 'stack is up' })
    return `${colors.map((c) => c.toUpperCase()).join(' and ')} and PgBouncer ${version ?? '?'} are healthy; clients connect to 127.0.0.1:${spec.ports.pgbouncer}`
  }

  async down(opts: { volumes: boolean }, ctx: JobContext): Promise<string> {
    await pingDocker(this.docker)
    const containers = await this.listContainers()
    let i = 0
    const total = containers.length + (opts.volumes ? 1 : 0)
    // PgBouncer first, so clients get a clean refusal rather than a half-working pool.
    const order = [...containers].sort((a, b) => roleOf(b) === 'pgbouncer' ? 1 : roleOf(a) === 'pgbouncer' ? -1 : 0)
    for (const info of order) {
      ctx.report({ phase: 'stop', done: i++, total, unit: 'containers', message: `stopping ${info.Names[0]?.slice(1)}` })
      const c = this.docker.getContainer(info.Id)
      // "restarting" (a crash loop) counts as running: stop it, then remove even if it came back.
      if (!['exited', 'created', 'dead'].includes(info.State)) await c.stop().catch(ignoreNotModified)
      await c.remove({ force: true })
    }
    if (opts.volumes) {
      ctx.report({ phase: 'volumes', done: i++, total, unit: 'containers', message: 'removing volumes (all data of this stack)' })
      for (const name of Object.values(volumeNames(this.settings.stackName))) {
        await this.docker.getVolume(name).remove().catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404) throw e
        })
      }
    }
    return `stack ${this.settings.stackName} is down${opts.volumes ? ' and its volumes are removed' : ' (volumes kept)'}`
  }

  private throwIfCancelled(ctx: JobContext): void {
    if (ctx.signal.aborted) throw new Error('cancelled')
  }

  private async listContainers(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL_STACK}=${this.settings.stackName}`] } })
  }

  private async ensureContainer(role: StackRole, create: Docker.ContainerCreateOptions, key: string): Promise<void> {
    const name = create.name!
    const port = this.settings.ports[role]
    let existing: Docker.ContainerInspectInfo | null = null
    try {
      existing = await this.docker.getContainer(name).inspect()
    } catch {
      existing = null
    }
    if (existing && existing.Config.Labels[LABEL_CONFIG] !== key) {
      // Image or port changed: recreate the container; its data lives in the volume and is kept.
      if (existing.State.Running) await this.docker.getContainer(name).stop().catch(ignoreNotModified)
      await this.docker.getContainer(name).remove()
      existing = null
    }
    if (existing?.State.Running) return
    if (!(await portIsFree(port)))
      throw new StackError(
        'PORT_IN_USE',
        `Port ${port} on 127.0.0.1 (for ${role.toUpperCase()}) is already in use by another program.`,
        `Stop that program, or choose another port: set ports.${role} in settings.json or FDA_${role.toUpperCase()}_PORT.`
      )
    for (const v of (create.HostConfig?.Binds ?? []).map((b) => b.split(':')[0])) {
      // A new data volume has no TLS files yet: connect to it without TLS until they are installed.
      const fresh = await this.docker.getVolume(v).inspect().then(() => false, () => true)
      if (fresh && v !== volumeNames(this.settings.stackName).walArchive) this.tls.unmark(role)
      await this.docker.createVolume({ Name: v, Labels: { [LABEL_STACK]: this.settings.stackName } })
    }
    const container = existing ? this.docker.getContainer(name) : await this.docker.createContainer(create)
    // The admin password goes in as a root-only file before the first start (not in the environment).
    if (!existing) {
      const secret = await secretFileTar(PG_PASSWORD_FILE, this.password())
      await container.putArchive(secret.tar, { path: secret.at })
    }
    await container.start()
  }

  private async waitHealthy(role: StackRole, ctx: JobContext): Promise<void> {
    const name = containerName(this.settings.stackName, role)
    const deadline = Date.now() + this.settings.healthTimeoutSeconds * 1000
    for (;;) {
      const info = await this.docker.getContainer(name).inspect()
      const health = info.State.Health?.Status
      if (health === 'healthy') return
      if (!info.State.Running || health === 'unhealthy' || Date.now() > deadline) {
        const why = !info.State.Running ? `exited with code ${info.State.ExitCode}` : health === 'unhealthy' ? 'failed its health check' : `was not healthy after ${this.settings.healthTimeoutSeconds} s`
        const tail = (await this.logs(role, 5)).join(' | ')
        // Stop a crash loop (restart policy) instead of leaving it spinning; its data volume is kept.
        if (!info.State.Running || health === 'unhealthy') await this.docker.getContainer(name).stop({ t: 5 }).catch(() => {})
        throw new StackError(
          'CONTAINER_UNHEALTHY',
          `${role.toUpperCase()} (${name}) ${why}. Last log lines: ${tail || '(none)'}`,
          `See the full log with \`fda-offline stack logs ${role}\`; \`fda-offline stack down\` then \`stack up\` recreates the container (data volumes are kept).`
        )
      }
      if (ctx.signal.aborted) throw new Error('cancelled')
      await new Promise((r) => setTimeout(r, 500))
    }
  }

  /** Rewrites PgBouncer's userlist (admin plus the given roles) through stdin, then RELOAD. */
  async setPgbouncerUsers(users: { user: string; password: string }[]): Promise<void> {
    const line = (u: string, p: string) => `"${u.replace(/"/g, '""')}" "${p.replace(/"/g, '""')}"\n`
    const body = [line(ADMIN_USER, this.password()), ...users.map((u) => line(u.user, u.password))].join('')
    await execInContainer(this.docker.getContainer(containerName(this.settings.stackName, 'pgbouncer')), ['fda-pgbouncer-users'], body)
    await withClient(this.target('pgbouncer', 'pgbouncer'), (c) => c.query('RELOAD'))
  }

  /** The live color: the one PgBouncer's mirror database points at (null when PgBouncer is not reachable). */
  async liveColor(): Promise<Color | null> {
    const mirror = await withClient(this.target('pgbouncer', 'pgbouncer'), async (c) => parseDatabases(await show(c, 'DATABASES')).find((d) => d.name === MIRROR_DB)).catch(() => null)
    const p = this.settings.ports
    return mirror?.port === p.blue ? 'blue' : mirror?.port === p.green ? 'green' : null
  }

  /** The standby color: the other one, when its container runs. */
  async standbyColor(): Promise<Color | null> {
    const live = await this.liveColor()
    if (!live) return null
    const standby: Color = live === 'blue' ? 'green' : 'blue'
    return (await this.runningColors()).includes(standby) ? standby : null
  }

  /** Colors whose container is running (for preparing them at start-up). */
  async runningColors(): Promise<Color[]> {
    const infos = await this.listContainers()
    return (['blue', 'green'] as Color[]).filter((color) =>
      infos.some((i) => i.State === 'running' && i.Names.includes(`/${containerName(this.settings.stackName, color)}`))
    )
  }

  async logs(role: StackRole, tail: number): Promise<string[]> {
    try {
      const buf = (await this.docker.getContainer(containerName(this.settings.stackName, role)).logs({
        stdout: true, stderr: true, tail, follow: false
      })) as unknown as Buffer
      return demuxDockerLog(buf).split('\n').filter(Boolean)
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return []
      throw e
    }
  }

  async status(): Promise<StackStatus> {
    const spec = this.spec()
    const base: StackStatus = {
      checkedAt: new Date().toISOString(),
      stackName: spec.stackName,
      docker: { reachable: false, version: null, apiVersion: null, error: null, fix: null },
      image: { tag: spec.imageTag, present: false },
      liveColor: null,
      containers: [],
      pgbouncer: { version: null, targetPort: null, paused: null, pools: [] },
      volumes: [],
      disk: await diskOf(this.home),
      healthy: false
    }
    try {
      const v = await pingDocker(this.docker)
      base.docker = { reachable: true, version: v.version, apiVersion: v.apiVersion, error: null, fix: null }
    } catch (e) {
      const err = e as StackError
      base.docker = { reachable: false, version: null, apiVersion: null, error: err.message, fix: err.fix ?? null }
      return base
    }
    base.image.present = await imagePresent(this.docker, spec.imageTag)
    const infos = await this.listContainers()
    base.containers = await Promise.all(
      ROLES.map(async (role): Promise<ContainerStatus> => {
        const info = infos.find((i) => i.Names.includes(`/${containerName(spec.stackName, role)}`))
        const s: ContainerStatus = {
          role, name: containerName(spec.stackName, role), state: info?.State ?? 'absent', health: 'none',
          port: spec.ports[role], version: null, startedAt: null, detail: null
        }
        if (!info) return s
        const full = await this.docker.getContainer(info.Id).inspect()
        s.health = full.State.Health?.Status ?? 'none'
        s.startedAt = full.State.Running ? full.State.StartedAt : null
        if (full.State.Running && role !== 'pgbouncer') {
          s.version = await withClient(this.target(role), async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string)
            .catch((e: Error) => ((s.detail = e.message), null))
        }
        return s
      })
    )
    const bouncer = base.containers.find((c) => c.role === 'pgbouncer')!
    if (bouncer.state === 'running') {
      try {
        await withClient(this.target('pgbouncer', 'pgbouncer'), async (c) => {
          base.pgbouncer.version = parseVersion(await show(c, 'VERSION'))
          const mirror = parseDatabases(await show(c, 'DATABASES')).find((d) => d.name === MIRROR_DB)
          base.pgbouncer.targetPort = mirror?.port ?? null
          base.pgbouncer.paused = mirror?.paused ?? null
          base.pgbouncer.pools = parsePools(await show(c, 'POOLS'))
        })
        bouncer.version = base.pgbouncer.version
      } catch (e) {
        bouncer.detail = (e as Error).message
      }
    }
    const tp = base.pgbouncer.targetPort
    base.liveColor = tp === spec.ports.blue ? 'blue' : tp === spec.ports.green ? 'green' : null
    base.volumes = await this.volumeFigures()
    const ok = (role: StackRole) => base.containers.some((c) => c.role === role && c.state === 'running' && c.health === 'healthy')
    // Healthy: the live color (the one clients reach) and PgBouncer.
    base.healthy = ok(base.liveColor ?? 'blue') && ok('pgbouncer')
    return base
  }

  /** Volume sizes come from `docker system df`, which is slow: cached for a minute. */
  private async volumeFigures(): Promise<StackStatus['volumes']> {
    const names = Object.values(volumeNames(this.settings.stackName))
    if (!this.volumeSizes || Date.now() - this.volumeSizes.at > 60_000) {
      const df = (await this.docker.df()) as { Volumes?: { Name: string; UsageData?: { Size: number } }[] }
      this.volumeSizes = {
        at: Date.now(),
        sizes: new Map((df.Volumes ?? []).map((v) => [v.Name, v.UsageData && v.UsageData.Size >= 0 ? v.UsageData.Size : null]))
      }
    }
    const sizes = this.volumeSizes.sizes
    return names.filter((n) => sizes.has(n)).map((n) => ({ name: n, sizeBytes: sizes.get(n) ?? null }))
  }
}

function roleOf(info: Docker.ContainerInfo): string | undefined {
  return info.Labels['io.fda-offline.role']
}

function ignoreNotModified(e: { statusCode?: number }): void {
  if (e.statusCode !== 304) throw e
}

async function diskOf(path: string): Promise<StackStatus['disk']> {
  const s = await statfs(path)
  return { path, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }
}
