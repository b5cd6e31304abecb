import Docker from 'dockerode'
import { StackError } from './stack-error'

/** One dockerode client per engine connection; DOCKER_HOST is honoured as the docker CLI does. */
export function createDockerClient(): Docker {
  const host = process.env.DOCKER_HOST
  if (host?.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) })
  if (host) return new Docker() // docker-modem reads DOCKER_HOST (tcp://…) itself
  return new Docker({ socketPath: '/var/run/docker.sock' })
}

export function describeEndpoint(docker: Docker): string {
  const m = docker.modem as unknown as { socketPath?: string; host?: string; port?: number }
  return m.socketPath ? `unix://${m.socketPath}` : `tcp://${m.host}:${m.port}`
}

export const DOCKER_FIX =
  'Start the Docker engine (Linux: `sudo dockerd &` or `sudo systemctl start docker`; macOS/Windows: start Docker Desktop), or point DOCKER_HOST at a running engine.'

/** Pings the engine within a few seconds; a dead or absent engine becomes one clear StackError. */
export async function pingDocker(docker: Docker, timeoutMs = 5000): Promise<{ version: string; apiVersion: string }> {
  const where = describeEndpoint(docker)
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)
    })
    const v = await Promise.race([docker.version(), timeout])
    return { version: v.Version, apiVersion: v.ApiVersion }
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const reason =
      err.code === 'ENOENT' ? 'no socket there' :
      err.code === 'ECONNREFUSED' ? 'connection refused' :
      err.code === 'EACCES' ? 'permission denied (add your user to the docker group or run as root)' :
      err.message
    throw new StackError('DOCKER_UNAVAILABLE', `Docker is not reachable at ${where}: ${reason}.`, DOCKER_FIX)
  } finally {
    clearTimeout(timer)
  }
}

/** Docker's non-TTY log format: 8-byte frame headers (stream, 0, 0, 0, size32) before each chunk. */
export function demuxDockerLog(buf: Buffer): string {
  const parts: Buffer[] = []
  let i = 0
  while (i + 8 <= buf.length && (buf[i] === 0 || buf[i] === 1 || buf[i] === 2) && buf.readUIntBE(i + 1, 3) === 0) {
    const size = buf.readUInt32BE(i + 4)
    parts.push(buf.subarray(i + 8, i + 8 + size))
    i += 8 + size
  }
  return i === 0 ? buf.toString('utf8') : Buffer.concat(parts).toString('utf8')
}
