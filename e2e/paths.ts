import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../bin/fda-offline.mjs', import.meta.url))
export const ELECTRON_MAIN = fileURLToPath(new URL('../out/main/index.js', import.meta.url))
