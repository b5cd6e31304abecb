import type { CliKit } from '../main'
import { registerDeployCommands } from './deploy'

/** Command areas registered after the core commands; each area keeps its commands in its own file. */
export const COMMAND_AREAS: ((kit: CliKit) => void)[] = [registerDeployCommands]
