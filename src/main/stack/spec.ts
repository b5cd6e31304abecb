import type Docker from 'dockerode'
import type { Color, StackRole } from '../../shared/schemas'

/**
 * The containers of a stack, as data. docker-compose.yml describes the same containers for operators;
 * a test checks the two agree.
 */
export interface StackSpec {
  stackName: string
  imageTag: string
  ports: Record<StackRole, number>
  pgMemoryMb: number
}

export const ADMIN_USER = 'fda_admin'
/** Where the admin password is put (root-only) before a container first starts: never in its environment. */
export const PG_PASSWORD_FILE = '/run/fda/pg-admin-password'
export const MIRROR_DB = 'mirror'
export const LABEL_STACK = 'io.fda-offline.stack'
export const LABEL_ROLE = 'io.fda-offline.role'
export const LABEL_CONFIG = 'io.fda-offline.config'

export const containerName = (stack: string, role: StackRole): string => `${stack}-${role}`

export function volumeNames(stack: string) {
  return {
    blue: `${stack}-blue-data`,
    green: `${stack}-green-data`,
    walArchive: `${stack}-wal-archive`,
    pgbouncer: `${stack}-pgbouncer`
  }
}

const SECOND = 1_000_000_000 // Docker health-check durations are in nanoseconds
const healthcheck = (test: string) => ({
  Test: ['CMD-SHELL', test],
  Interval: 2 * SECOND,
  Timeout: 5 * SECOND,
  Retries: 5,
  StartPeriod: 60 * SECOND
})

export const POSTGRES_HEALTHCHECK = 'pg_isready -q -h 127.0.0.1 -p "$FDA_PG_PORT" -d mirror -U fda_admin'
export const PGBOUNCER_HEALTHCHECK = 'pg_isready -q -h 127.0.0.1 -p "$FDA_PGBOUNCER_PORT" -d mirror -U fda_admin'

// Host networking: every port is on 127.0.0.1 of this machine, no bridge, nothing published elsewhere.
const hostConfig = (binds: string[]): Docker.HostConfig => ({
  NetworkMode: 'host',
  Binds: binds,
  RestartPolicy: { Name: 'unless-stopped' },
  LogConfig: { Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '3' } }
})

/** `_password` is not part of the container any more: StackService copies it in as PG_PASSWORD_FILE. */
export function postgresContainer(spec: StackSpec, color: Color, _password?: string): Docker.ContainerCreateOptions {
  const v = volumeNames(spec.stackName)
  return {
    name: containerName(spec.stackName, color),
    Image: spec.imageTag,
    Cmd: ['fda-postgres'],
    Env: [
      `FDA_COLOR=${color}`,
      `FDA_PG_PORT=${spec.ports[color]}`,
      `FDA_PG_MEMORY_MB=${spec.pgMemoryMb}`,
      `FDA_PG_ADMIN_USER=${ADMIN_USER}`,
      `FDA_PG_PASSWORD_FILE=${PG_PASSWORD_FILE}`
    ],
    Labels: { [LABEL_STACK]: spec.stackName, [LABEL_ROLE]: color, [LABEL_CONFIG]: configKey(spec, color) },
    Healthcheck: healthcheck(POSTGRES_HEALTHCHECK),
    StopSignal: 'SIGINT', // PostgreSQL's "fast" shutdown: clean, without waiting for clients
    StopTimeout: 60,
    HostConfig: { ...hostConfig([`${v[color]}:/var/lib/fda/pgdata`, `${v.walArchive}:/var/lib/fda/wal-archive`]), ShmSize: 256 * 1024 * 1024 }
  }
}

export function pgbouncerContainer(spec: StackSpec, targetPort: number, _password?: string): Docker.ContainerCreateOptions {
  const v = volumeNames(spec.stackName)
  return {
    name: containerName(spec.stackName, 'pgbouncer'),
    Image: spec.imageTag,
    Cmd: ['fda-pgbouncer'],
    Env: [
      `FDA_PGBOUNCER_PORT=${spec.ports.pgbouncer}`,
      `FDA_TARGET_PORT=${targetPort}`,
      `FDA_PG_ADMIN_USER=${ADMIN_USER}`,
      `FDA_PG_PASSWORD_FILE=${PG_PASSWORD_FILE}`
    ],
    Labels: { [LABEL_STACK]: spec.stackName, [LABEL_ROLE]: 'pgbouncer', [LABEL_CONFIG]: configKey(spec, 'pgbouncer') },
    Healthcheck: healthcheck(PGBOUNCER_HEALTHCHECK),
    StopSignal: 'SIGINT', // PgBouncer 1.18: SIGINT waits for servers, SIGTERM drops everyone at once
    StopTimeout: 30,
    HostConfig: { ...hostConfig([`${v.pgbouncer}:/etc/fda-pgbouncer`]), Ulimits: [{ Name: 'nofile', Soft: 20000, Hard: 20000 }] }
  }
}

/** What a running container must match; a changed image or port means it is recreated (volumes stay). */
export function configKey(spec: StackSpec, role: StackRole): string {
  return `${spec.imageTag}|${spec.ports[role]}|${role === 'pgbouncer' ? '' : spec.pgMemoryMb}`
}
