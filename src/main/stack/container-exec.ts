import type Docker from 'dockerode'
import { demuxDockerLog } from './docker-client'

/** Runs a command in a container, optionally feeding standard input; fails with its output on a non-zero exit. */
export async function execInContainer(container: Docker.Container, cmd: string[], stdin?: string): Promise<string> {
  const { exitCode, output } = await execWithEnv(container, cmd, [], stdin)
  if (exitCode !== 0) throw new Error(`${cmd.join(' ')} exited with ${exitCode}: ${output.trim()}`)
  return output
}

/** Runs a command in a container with environment variables (a password never goes on a command line); returns exit code and output. */
export async function execWithEnv(container: Docker.Container, cmd: string[], env: string[], stdin?: string): Promise<{ exitCode: number; output: string }> {
  const exec = await container.exec({ Cmd: cmd, Env: env.length ? env : undefined, WorkingDir: env.length ? '/tmp' : undefined, AttachStdin: stdin !== undefined, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: stdin !== undefined })
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('error', reject)
  })
  if (stdin !== undefined) stream.end(stdin)
  await ended
  const { ExitCode } = await exec.inspect()
  return { exitCode: ExitCode ?? -1, output: demuxDockerLog(Buffer.concat(chunks)) }
}
