import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AuditService } from '../audit/audit-service'
import { BackupService } from '../backup/backup-service'
import { AuditViewer } from '../audit/viewer/audit-viewer'
import { ChainMonitor } from '../audit/viewer/chain-monitor'
import { resolveHome } from '../config/home'
import { FileSecretStore, type SecretStore } from '../config/secrets'
import { loadSettings, type Settings } from '../config/settings'
import { Database } from '../db/database'
import { DeployService } from '../deploy/deploy-service'
import { findSqlDir } from '../db/migrate'
import { RecordStore } from '../db/records'
import { ConsoleSettings } from '../settings/console-settings'
import { JobManager } from '../jobs/job-manager'
import { createDockerClient } from '../stack/docker-client'
import { findResourcesDir } from '../stack/recipe'
import { StackService } from '../stack/stack-service'
import { UserService } from '../users/user-service'

export type Host = 'desktop' | 'server' | 'cli'

/** Everything the API needs, built once per process; plain Node, shared by desktop, server mode and CLI. */
export interface Services {
  host: Host
  home: string
  version: string
  resourcesDir: string
  sqlDir: string
  settings: Settings
  secrets: SecretStore
  jobs: JobManager
  stack: StackService
  db: Database
  audit: AuditService
  auditViewer: AuditViewer
  chain: ChainMonitor
  users: UserService
  records: RecordStore
  consoleSettings: ConsoleSettings
  deploy: DeployService
  backup: BackupService
  close(): Promise<void>
}

export function createServices(opts: { host: Host; home?: string; secrets?: SecretStore }): Services {
  const home = resolveHome(opts.home)
  const settings = loadSettings(home)
  const secrets = opts.secrets ?? new FileSecretStore(home)
  const resourcesDir = findResourcesDir()
  const version = (JSON.parse(readFileSync(join(resourcesDir, '..', 'package.json'), 'utf8')) as { version: string }).version
  const docker = createDockerClient()
  const stack = new StackService(docker, settings, secrets, resourcesDir, home)
  const db = new Database(stack, secrets)
  const audit = new AuditService(db)
  const consoleSettings = new ConsoleSettings(db, audit)
  const jobs = new JobManager(home)
  const backup = new BackupService({ stack, db, audit, settings, secrets, home, jobs, resourcesDir }, createDockerClient())
  const deploy = new DeployService(docker, stack, db, audit, consoleSettings, home)
  backup.standbyHandOff = (r, actor, ctx) => deploy.adoptRestored(r, actor, ctx) // a restore into GREEN becomes promotable
  return {
    host: opts.host, home, version, resourcesDir, sqlDir: findSqlDir(resourcesDir), settings, secrets,
    jobs, stack, db, audit,
    backup,
    auditViewer: new AuditViewer(db), chain: new ChainMonitor(db, home),
    users: new UserService(db, audit),
    records: new RecordStore(db, audit),
    consoleSettings,
    deploy,
    close: () => db.close()
  }
}
