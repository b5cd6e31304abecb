import type { CliKit } from '../main'
import { registerBackupCommands } from './backup'

/** Command areas registered after the core commands; each area keeps its commands in its own file. */
export const COMMAND_AREAS: ((kit: CliKit) => void)[] = [
  registerBackupCommands,
]
