import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { imageTagFor } from '../../src/main/stack/recipe'
import { configKey, LABEL_CONFIG, PG_PASSWORD_FILE, pgbouncerContainer, postgresContainer, volumeNames, type StackSpec } from '../../src/main/stack/spec'

const root = join(__dirname, '..', '..')
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true })
const spec: StackSpec = {
  stackName: 'fda',
  imageTag: imageTagFor(join(root, 'resources')),
  ports: { blue: 54320, green: 54321, pgbouncer: 64320 },
  pgMemoryMb: 2048
}
const NS = 1_000_000_000

/** ${VAR:-default} → default; $$ → $ (compose's escape). The password stays a placeholder. */
const resolveValue = (v: unknown): string =>
  String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').replace(/\$\{FDA_PG_PASSWORD:\?[^}]*\}/g, 'PASSWORD').replace(/\$\$/g, '$')
const seconds = (d: string): number => Number(d.replace(/s$/, '')) * NS

function composeAsCreateOptions(name: string) {
  const svc = compose.services[name]
  const volumesByKey = compose.volumes as Record<string, { name: string }>
  return {
    Image: svc.image,
    Cmd: svc.command,
    Env: Object.entries(svc.environment).map(([k, v]) => `${k}=${resolveValue(v)}`).sort(),
    Labels: svc.labels,
    NetworkMode: svc.network_mode,
    RestartPolicy: svc.restart,
    StopSignal: svc.stop_signal,
    StopTimeout: seconds(svc.stop_grace_period) / NS,
    Binds: (svc.volumes as string[]).map((v) => {
      const [vol, path] = v.split(':')
      return `${volumesByKey[vol].name}:${path}`
    }),
    Healthcheck: {
      Test: svc.healthcheck.test.map(resolveValue),
      Interval: seconds(svc.healthcheck.interval),
      Timeout: seconds(svc.healthcheck.timeout),
      Retries: svc.healthcheck.retries,
      StartPeriod: seconds(svc.healthcheck.start_period)
    }
  }
}

function consoleCreateOptions(opts: ReturnType<typeof postgresContainer>) {
  const { [LABEL_CONFIG]: _config, ...labels } = opts.Labels!
  return {
    Image: opts.Image,
    Cmd: opts.Cmd,
    Env: [...opts.Env!].sort(),
    Labels: labels,
    NetworkMode: opts.HostConfig!.NetworkMode,
    RestartPolicy: opts.HostConfig!.RestartPolicy!.Name,
    StopSignal: opts.StopSignal,
    StopTimeout: opts.StopTimeout,
    Binds: opts.HostConfig!.Binds,
    Healthcheck: opts.Healthcheck
  }
}

describe('docker-compose.yml describes the stack the console creates', () => {
  it('uses the image built from the current recipe', () => {
    for (const s of ['blue', 'green', 'pgbouncer']) expect(compose.services[s].image, `${s}: run npm run compose:sync`).toBe(spec.imageTag)
  })

  it.each(['blue', 'green'] as const)('%s: same command, settings, ports, volumes and health check', (color) => {
    expect(composeAsCreateOptions(color)).toEqual(consoleCreateOptions(postgresContainer(spec, color, 'x')))
    expect(compose.services[color].container_name).toBe(`fda-${color}`)
  })

  it('pgbouncer: same command, settings, target, volumes, limits and health check', () => {
    const opts = pgbouncerContainer(spec, spec.ports.blue, 'x')
    expect(composeAsCreateOptions('pgbouncer')).toEqual(consoleCreateOptions(opts))
    expect(compose.services.pgbouncer.ulimits.nofile).toEqual({ soft: opts.HostConfig!.Ulimits![0].Soft, hard: opts.HostConfig!.Ulimits![0].Hard })
  })

  it('GREEN only under the blue-green profile; shared memory as the console sets it', () => {
    expect(compose.services.green.profiles).toEqual(['blue-green'])
    expect(compose.services.blue.profiles).toBeUndefined()
    expect(compose.services.blue.shm_size).toBe('256m')
    expect(postgresContainer(spec, 'blue', 'x').HostConfig!.ShmSize).toBe(256 * 1024 * 1024)
  })

  it('the admin password is a secret file, never an environment value', () => {
    for (const s of ['blue', 'green', 'pgbouncer']) {
      expect(Object.keys(compose.services[s].environment)).not.toContain('FDA_PG_PASSWORD')
      expect(compose.services[s].secrets[0].target).toBe(PG_PASSWORD_FILE)
    }
    expect(postgresContainer(spec, 'blue', 'the-password').Env!.join(' ')).not.toContain('the-password')
  })

  it('names every volume as the console does', () => {
    const names = Object.values(compose.volumes as Record<string, { name: string }>).map((v) => v.name).sort()
    expect(names).toEqual(Object.values(volumeNames('fda')).sort())
  })

  it('a changed recipe changes the container config key (so containers are recreated)', () => {
    expect(configKey(spec, 'blue')).not.toBe(configKey({ ...spec, imageTag: 'fda-offline/stack:other' }, 'blue'))
  })
})
