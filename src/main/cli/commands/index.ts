import type { CliKit } from '../main'
import { registerAuditViewerCommands } from './audit-viewer'
import { registerBenchCommands } from './bench'
import { registerBackupCommands } from './backup'
import { registerDeployCommands } from './deploy'
import { registerLocalApiCommands } from './local-api'
import { registerOpenfdaCommands } from './openfda'
import { registerRefreshCommands } from './refresh'
import { registerSecurityCommands } from './security'

/** Command areas registered after the core commands; each area keeps its commands in its own file. */
export const COMMAND_AREAS: ((kit: CliKit) => void)[] = [
  registerLocalApiCommands,
  registerDeployCommands,
  registerBackupCommands,
  registerOpenfdaCommands,
  registerRefreshCommands,
  registerBenchCommands,
  registerAuditViewerCommands,
  registerSecurityCommands,
]
