import type { CliKit } from '../main'
import { registerAuditViewerCommands } from './audit-viewer'
import { registerSecurityCommands } from './security'

/** Command areas registered after the core commands; each area keeps its commands in its own file. */
export const COMMAND_AREAS: ((kit: CliKit) => void)[] = [registerAuditViewerCommands, registerSecurityCommands]
