import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const IMAGE_REPO = 'fda-offline/stack'
export const BASE_REPO = 'fda-offline/base'

/** The files that make the image; their hash is the image tag, so a changed recipe builds a new image. */
export function recipeFiles(resourcesDir: string): string[] {
  const imageDir = join(resourcesDir, 'image')
  const files = readdirSync(imageDir).sort().map((f) => join('image', f))
  return [...files, join('pgbouncer', 'pgbouncer.ini.template')]
}

export function recipeHash(resourcesDir: string): string {
  const h = createHash('sha256')
  for (const rel of recipeFiles(resourcesDir)) {
    h.update(rel + '\0')
    h.update(readFileSync(join(resourcesDir, rel)))
    h.update('\0')
  }
  return h.digest('hex').slice(0, 12)
}

export const imageTagFor = (resourcesDir: string): string => `${IMAGE_REPO}:${recipeHash(resourcesDir)}`

export function debianPackages(resourcesDir: string): string[] {
  return readFileSync(join(resourcesDir, 'image', 'packages.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
}

/** resources/ beside the installed package (dev tree, built tree, npx) or FDA_RESOURCES_DIR. */
export function findResourcesDir(): string {
  if (process.env.FDA_RESOURCES_DIR) return resolve(process.env.FDA_RESOURCES_DIR)
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'resources', 'image', 'Dockerfile'))) return join(dir, 'resources')
    dir = dirname(dir)
  }
  throw new Error('cannot find the resources/ folder; set FDA_RESOURCES_DIR')
}
