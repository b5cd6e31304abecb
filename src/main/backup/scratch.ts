import type Docker from 'dockerode'
import pg from 'pg'
import { portIsFree } from '../stack/port-check'
import { LABEL_ROLE, LABEL_STACK } from '../stack/spec'
import { StackError } from '../stack/stack-error'
import type { BackupDeps } from './context'
import { walArchiveVolume } from './context'
import { execText } from './exec-stream'

export const PGDATA = '/var/lib/fda/pgdata'
export const RESTORE_WAL = `${PGDATA}/fda_restore_wal`

export interface ScratchHandle {
  name: string
  volume: string
  port: number
  container: Docker.Container
}

/** `<stack>-scratch`: one scratch PostgreSQL per stack, on the configured scratch port, host networking. */
export function scratchNames(d: BackupDeps): { name: string; volume: string } {
  return { name: `${d.s.settings.stackName}-scratch`, volume: `${d.s.settings.stackName}-scratch-data` }
}

/** Removes the scratch container and its data volume (nothing else), when they exist. */
export async function removeScratch(d: BackupDeps): Promise<void> {
  const { name, volume } = scratchNames(d)
  await d.docker.getContainer(name).remove({ force: true, v: true }).catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 404) throw e
  })
  await d.docker.getVolume(volume).remove({ force: true }).catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 404) throw e
  })
}

/**
 * A container from the stack image holding an empty data volume (and the stack's WAL archive
 * read-only), idle until a restored cluster is started in it.
 */
export async function createScratch(d: BackupDeps, opts: { dataVolume?: string; name?: string } = {}): Promise<ScratchHandle> {
  const names = scratchNames(d)
  const name = opts.name ?? names.name
  const volume = opts.dataVolume ?? names.volume
  if (!opts.name) await removeScratch(d)
  const port = d.store.config().scratchPort
  await d.docker.createVolume({ Name: volume, Labels: { [LABEL_STACK]: d.s.settings.stackName, [LABEL_ROLE]: 'scratch' } })
  const container = await d.docker.createContainer({
    name,
    Image: d.s.stack.spec().imageTag,
    Cmd: ['sleep', 'infinity'],
    Labels: { [LABEL_STACK]: d.s.settings.stackName, [LABEL_ROLE]: 'scratch' },
    StopSignal: 'SIGINT',
    HostConfig: { NetworkMode: 'host', Binds: [`${volume}:${PGDATA}`, `${walArchiveVolume(d)}:/var/lib/fda/wal-archive:ro`], ShmSize: 128 * 1024 * 1024 }
  })
  await container.start()
  await execText(container, ['bash', '-c', `rm -rf ${PGDATA}/* && chown postgres:postgres ${PGDATA} && chmod 0700 ${PGDATA}`])
  return { name, volume, port, container }
}

/** Starts PostgreSQL on the restored data directory (no archiving: a scratch copy must not write into the stack's archive). */
export async function startScratchPostgres(h: ScratchHandle): Promise<void> {
  // A server removed a moment ago may still hold the port briefly; anything else holding it is named.
  for (let i = 0; !(await portIsFree(h.port)); i++) {
    if (i >= 40) throw new StackError('PORT_IN_USE', `The scratch port 127.0.0.1:${h.port} is in use.`, 'Stop what listens there, or set scratchPort in <home>/backup/config.json to a free port.')
    await new Promise((r) => setTimeout(r, 500))
  }
  const cmd = `exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D ${PGDATA} -c port=${h.port} -c listen_addresses=127.0.0.1 ` +
    `-c archive_mode=off -c shared_buffers=128MB -c cluster_name=fda-scratch >> /var/lib/fda/restore.log 2>&1`
  const exec = await h.container.exec({ Cmd: ['bash', '-c', cmd], AttachStdout: false, AttachStderr: false })
  await exec.start({ Detach: true })
}

/** Waits until the restored server accepts writes (recovery finished and promoted); fails with its log when it stopped. */
export async function waitPromoted(h: ScratchHandle, password: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (signal.aborted) throw new Error('cancelled')
    const state = await probe(h.port, password)
    if (state === 'primary') return
    if (state === 'down') {
      const alive = await execText(h.container, ['bash', '-c', 'pgrep -x postgres >/dev/null && echo up || echo down']).then((r) => r.stdout.trim())
      if (alive === 'down') throw new Error(`the restored server stopped: ${await scratchLog(h)}`)
    }
    if (Date.now() > deadline) throw new Error(`recovery did not finish within ${timeoutMs / 1000} s: ${await scratchLog(h)}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

export async function scratchLog(h: ScratchHandle): Promise<string> {
  const r = await execText(h.container, ['bash', '-c', 'tail -n 12 /var/lib/fda/restore.log 2>/dev/null || true']).catch(() => ({ stdout: '' }))
  return r.stdout.split('\n').filter((l) => /FATAL|ERROR|PANIC|recovery|redo/.test(l)).slice(-5).join(' | ') || r.stdout.trim().split('\n').slice(-3).join(' | ')
}

async function probe(port: number, password: string): Promise<'down' | 'recovering' | 'primary'> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'fda_admin', password, database: 'mirror', connectionTimeoutMillis: 2000 })
  c.on('error', () => {})
  try {
    await c.connect()
    const r = await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
    return r.rows[0].r ? 'recovering' : 'primary'
  } catch {
    return 'down'
  } finally {
    await c.end().catch(() => {})
  }
}
