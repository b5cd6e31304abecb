import { runCli } from './main'

// Entry of the `fda-offline` command (bin/fda-offline.mjs loads the built copy of this file).
process.exitCode = await runCli(process.argv.slice(2))
