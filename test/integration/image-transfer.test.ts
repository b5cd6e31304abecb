import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { createDockerClient } from '../../src/main/stack/docker-client'
import { exportImage, importImageFile } from '../../src/main/stack/image'
import { findResourcesDir, imageTagFor } from '../../src/main/stack/recipe'

const dir = mkdtempSync(join(tmpdir(), 'fda-image-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Carrying the stack image to an air-gapped machine: export writes a docker-load archive of the
// exact recipe tag, and import loads it back.
it('image export writes an archive of the recipe tag that image import loads', async () => {
  const docker = createDockerClient()
  const tag = imageTagFor(findResourcesDir())
  const file = join(dir, 'stack.tar')
  await exportImage(docker, tag, file)
  expect(statSync(file).size).toBeGreaterThan(50 * 2 ** 20)
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json']).toString()) as { RepoTags: string[] }[]
  expect(manifest.flatMap((m) => m.RepoTags)).toContain(tag)
  await importImageFile(docker, file)
  expect((await docker.getImage(tag).inspect()).RepoTags).toContain(tag)
  await expect(importImageFile(docker, join(dir, 'missing.tar'))).rejects.toThrow(/no such file/)
})
