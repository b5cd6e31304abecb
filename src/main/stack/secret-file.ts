import { basename, dirname } from 'node:path'
import { pack } from 'tar-stream'

/**
 * A root-only file (0400) in a root-only folder (0700), as a tar for Docker's putArchive, and where to
 * unpack it: the folder's parent (which must exist, and whose own mode stays as it is).
 */
export async function secretFileTar(path: string, content: string): Promise<{ tar: Buffer; at: string }> {
  const folder = basename(dirname(path))
  const p = pack()
  p.entry({ name: `${folder}/`, type: 'directory', mode: 0o700, uid: 0, gid: 0 })
  p.entry({ name: `${folder}/${basename(path)}`, mode: 0o400, uid: 0, gid: 0 }, content)
  p.finalize()
  const chunks: Buffer[] = []
  for await (const c of p) chunks.push(c as Buffer)
  return { tar: Buffer.concat(chunks), at: dirname(dirname(path)) }
}
