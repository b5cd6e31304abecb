// Rewrites the image tag in docker-compose.yml to the hash of the current image recipe.
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const resources = new URL('../resources/', import.meta.url).pathname
// Same hash as src/main/stack/recipe.ts (the compose-agreement test checks they agree).
const files = [...readdirSync(join(resources, 'image')).sort().map((f) => join('image', f)), join('pgbouncer', 'pgbouncer.ini.template')]
const h = createHash('sha256')
for (const rel of files) h.update(rel + '\0').update(readFileSync(join(resources, rel))).update('\0')
const tag = `fda-offline/stack:${h.digest('hex').slice(0, 12)}`
const file = new URL('../docker-compose.yml', import.meta.url)
writeFileSync(file, readFileSync(file, 'utf8').replace(/fda-offline\/stack:[0-9a-f]{12}/g, tag))
console.log(`docker-compose.yml now uses ${tag}`)
