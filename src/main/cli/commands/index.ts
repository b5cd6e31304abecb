import type { CliKit } from '../main'
import { registerBenchCommands } from './bench'

/** Command areas registered after the core commands; each area keeps its commands in its own file. */
export const COMMAND_AREAS: ((kit: CliKit) => void)[] = [
  registerBenchCommands,
]
