import type Docker from 'dockerode'
import { demuxDockerLog } from './docker-client'

/** Runs a command in a container, optionally feeding standard input; fails with its output on a non-zero exit. */
export async function execInContainer(container: Docker.Container, cmd: string[], stdin?: string): Promise<string> {
  const exec = await container.exec({ Cmd: cmd, AttachStdin: stdin !== undefined, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: stdin !== undefined })
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('error', reject)
  })
  if (stdin !== undefined) stream.end(stdin)
  await ended
  const output = demuxDockerLog(Buffer.concat(chunks))
  const { ExitCode } = await exec.inspect()
  if (ExitCode !== 0) throw new Error(`${cmd.join(' ')} exited with ${ExitCode}: ${output.trim()}`)
  return output
}
