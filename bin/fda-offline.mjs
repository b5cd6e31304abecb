#!/usr/bin/env node
// The fda-offline command. Needs `npm run build` first (it runs the built, bundled CLI).
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const built = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
if (!existsSync(built)) {
  process.stderr.write('fda-offline: the console is not built yet. Fix: run `npm ci && npm run build` in the project folder.\n')
  process.exit(1)
}
await import(pathToFileURL(built).href)
