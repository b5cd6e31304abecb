import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type Docker from 'dockerode'
import { pack } from 'tar-stream'
import type { Settings } from '../config/settings'
import type { JobContext } from '../jobs/job-manager'
import { BASE_REPO, debianPackages, imageTagFor, recipeFiles } from './recipe'
import { StackError } from './stack-error'

const BUILD_FIX =
  'Check that the Debian mirror is reachable (settings.debianMirror) and that you run as root with debootstrap installed (apt-get install debootstrap), or build on a connected machine and carry it over with `fda-offline image export FILE` / `fda-offline image import FILE`.'

export async function imagePresent(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect()
    return true
  } catch {
    return false
  }
}

function canDebootstrap(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/sbin/debootstrap')
}

/** Builds the stack image unless it is present. Offline (air-gapped Linux): debootstrap + import, then the Dockerfile. */
export async function ensureImage(docker: Docker, resourcesDir: string, settings: Settings, ctx: JobContext): Promise<string> {
  const tag = imageTagFor(resourcesDir)
  if (await imagePresent(docker, tag)) return tag
  const source = settings.imageSource === 'auto' ? (canDebootstrap() ? 'debootstrap' : 'dockerfile') : settings.imageSource
  let base = 'debian:bookworm-slim'
  if (source === 'debootstrap') base = await ensureDebootstrapBase(docker, resourcesDir, settings, ctx)
  await buildFromDockerfile(docker, resourcesDir, tag, base, ctx)
  return tag
}

async function ensureDebootstrapBase(docker: Docker, resourcesDir: string, settings: Settings, ctx: JobContext): Promise<string> {
  const pkgs = debianPackages(resourcesDir)
  // Keyed by the package list only: a changed script or setting reuses the (slow) root file system.
  const tag = `${BASE_REPO}:bookworm-${createHash('sha256').update(pkgs.join('\n')).digest('hex').slice(0, 12)}`
  if (await imagePresent(docker, tag)) return tag
  if (!canDebootstrap())
    throw new StackError('IMAGE_BUILD_FAILED', 'Building offline needs root and debootstrap on Linux.', BUILD_FIX)
  const dir = mkdtempSync(join(tmpdir(), 'fda-rootfs-'))
  try {
    // debootstrap names each package as it retrieves, unpacks and configures it: about three lines per package.
    const expected = 3 * 160
    let lines = 0
    await runProcess('debootstrap', ['--variant=minbase', `--include=${pkgs.join(',')}`, 'bookworm', dir, settings.debianMirror], ctx, (line) => {
      if (line.startsWith('I: ')) {
        lines++
        ctx.report({ phase: 'image: debootstrap', done: Math.min(lines, expected - 1), total: expected, unit: 'steps', message: line.slice(3) })
      }
    })
    ctx.report({ phase: 'image: import', message: 'importing the root file system into Docker' })
    const tar = spawn('tar', ['--numeric-owner', '-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const [repo, t] = tag.split(':')
    const stream = await docker.importImage(tar.stdout, { repo, tag: t, changes: ['ENV LANG=C.UTF-8'] } as object)
    await followProgress(docker, stream as NodeJS.ReadableStream)
    return tag
  } catch (e) {
    if (e instanceof StackError) throw e
    throw new StackError('IMAGE_BUILD_FAILED', `debootstrap of Debian bookworm failed: ${(e as Error).message}`, BUILD_FIX)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function buildFromDockerfile(docker: Docker, resourcesDir: string, tag: string, base: string, ctx: JobContext): Promise<void> {
  const context = pack()
  for (const rel of recipeFiles(resourcesDir)) {
    const body = readFileSync(join(resourcesDir, rel))
    context.entry({ name: rel, mode: rel.startsWith('image/fda-') ? 0o755 : 0o644 }, body)
  }
  context.finalize()
  ctx.report({ phase: 'image: build', done: 0, total: null, unit: 'steps', message: `building ${tag} from ${base}` })
  try {
    const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: tag,
      dockerfile: 'image/Dockerfile',
      buildargs: { BASE: base },
      networkmode: 'host',
      labels: { 'io.fda-offline.recipe': tag }
    })
    await followProgress(docker, stream, (ev) => {
      const m = /^Step (\d+)\/(\d+) : (.*)/.exec(ev.stream ?? '')
      if (m) ctx.report({ phase: 'image: build', done: Number(m[1]) - 1, total: Number(m[2]), unit: 'steps', message: m[3] })
    })
  } catch (e) {
    throw new StackError('IMAGE_BUILD_FAILED', `docker build of ${tag} failed: ${(e as Error).message}`, BUILD_FIX)
  }
}

interface BuildEvent {
  stream?: string
  error?: string
  errorDetail?: { message?: string }
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onEvent?: (e: BuildEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: BuildEvent[]) => {
        const failed = out?.find((e) => e.error)
        if (err) reject(err)
        else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error))
        else resolve()
      },
      (ev: BuildEvent) => onEvent?.(ev)
    )
  })
}

function runProcess(cmd: string, args: string[], ctx: JobContext, onLine: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const tail: string[] = []
    const feed = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        tail.push(line)
        if (tail.length > 5) tail.shift()
        onLine(line)
      }
    }
    child.stdout.on('data', feed)
    child.stderr.on('data', feed)
    const abort = (): void => {
      child.kill('SIGTERM')
    }
    ctx.signal.addEventListener('abort', abort)
    child.on('error', reject)
    child.on('close', (code) => {
      ctx.signal.removeEventListener('abort', abort)
      if (code === 0) resolve()
      else reject(new Error(`${cmd} exited with ${code}: ${tail.join(' | ')}`))
    })
  })
}

/** Writes the image to a tar file for an air-gapped machine. */
export async function exportImage(docker: Docker, tag: string, file: string): Promise<void> {
  if (!(await imagePresent(docker, tag)))
    throw new StackError('IMAGE_BUILD_FAILED', `image ${tag} is not present`, 'Run `fda-offline stack up` (or `fda-offline image build`) first.')
  await pipeline(await docker.getImage(tag).get(), createWriteStream(file))
}

export async function importImageFile(docker: Docker, file: string): Promise<void> {
  if (!existsSync(file)) throw new StackError('IMAGE_BUILD_FAILED', `no such file: ${file}`, 'Give the path of a file made by `fda-offline image export`.')
  const stream = await docker.loadImage(createReadStream(file))
  await followProgress(docker, stream)
}
