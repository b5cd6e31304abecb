import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type Docker from 'dockerode'

export interface StreamedExec {
  /** The command's standard output, as it is produced (never buffered whole). */
  stdout: Readable
  /** Resolves with the exit code and the (bounded) standard error once the command ends. */
  done: Promise<{ exitCode: number; stderr: string }>
  /** Closes the connection to the command (cancel): its output pipe breaks and it stops. */
  kill(): void
}

const STDERR_LIMIT = 64 * 1024

/**
 * Runs a command in a container with streamed output, and optionally streamed input. The caller
 * consumes `stdout` and awaits `done`; a non-zero exit is reported by `ensureSuccess`.
 */
export async function execStream(container: Docker.Container, cmd: string[], opts: { stdin?: Readable; env?: string[]; user?: string } = {}): Promise<StreamedExec> {
  const exec = await container.exec({
    Cmd: cmd, Env: opts.env, User: opts.user, AttachStdin: Boolean(opts.stdin), AttachStdout: true, AttachStderr: true
  })
  const stream = (await exec.start({ hijack: true, stdin: Boolean(opts.stdin) })) as unknown as NodeJS.ReadWriteStream & Readable
  const stdout = new PassThrough({ highWaterMark: 1 << 20 })
  const stderrSink = new PassThrough()
  let stderr = ''
  stderrSink.on('data', (c: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += c.toString('utf8')
  })
  container.modem.demuxStream(stream, stdout, stderrSink)
  let inputError: Error | null = null
  if (opts.stdin) {
    // Feed input with back-pressure; end() half-closes so the command sees end of file.
    pipeline(opts.stdin, stream as unknown as NodeJS.WritableStream).catch((e: Error) => {
      inputError = e
      stream.destroy(e)
    })
  }
  const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    stream.on('end', async () => {
      stdout.end()
      stderrSink.end()
      try {
        if (inputError) throw inputError
        const info = await exec.inspect()
        resolve({ exitCode: info.ExitCode ?? -1, stderr })
      } catch (e) {
        reject(e)
      }
    })
    stream.on('error', (e) => {
      stdout.destroy(e)
      reject(e)
    })
  })
  done.catch(() => {}) // observed by the caller; never an unhandled rejection
  const kill = (): void => {
    stream.destroy()
    stdout.destroy(new Error('cancelled'))
  }
  return { stdout, done, kill }
}

/** Awaits the end of a streamed command and throws with its standard error when it failed. */
export async function ensureSuccess(what: string, exec: StreamedExec): Promise<string> {
  const { exitCode, stderr } = await exec.done
  if (exitCode !== 0) throw new Error(`${what} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`)
  return stderr
}

/** Runs a command to completion, collecting its (small) output. */
export async function execText(container: Docker.Container, cmd: string[], what = cmd.join(' ')): Promise<{ stdout: string; stderr: string }> {
  const e = await execStream(container, cmd)
  const chunks: Buffer[] = []
  for await (const c of e.stdout) chunks.push(c as Buffer)
  const stderr = await ensureSuccess(what, e)
  return { stdout: Buffer.concat(chunks).toString('utf8'), stderr }
}
