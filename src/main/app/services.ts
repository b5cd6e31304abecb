import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileSecretStore, type SecretStore } from '../config/secrets'
import { resolveHome } from '../config/home'
import { loadSettings, type Settings } from '../config/settings'
import { JobManager } from '../jobs/job-manager'
import { createDockerClient } from '../stack/docker-client'
import { findResourcesDir } from '../stack/recipe'
import { StackService } from '../stack/stack-service'

export type Host = 'desktop' | 'server' | 'cli'

/** Everything the API needs, built once per process; plain Node, shared by desktop, server mode and CLI. */
export interface Services {
  host: Host
  home: string
  version: string
  settings: Settings
  secrets: SecretStore
  jobs: JobManager
  stack: StackService
}

export function createServices(opts: { host: Host; home?: string; secrets?: SecretStore }): Services {
  const home = resolveHome(opts.home)
  const settings = loadSettings(home)
  const secrets = opts.secrets ?? new FileSecretStore(home)
  const resourcesDir = findResourcesDir()
  const version = (JSON.parse(readFileSync(join(resourcesDir, '..', 'package.json'), 'utf8')) as { version: string }).version
  return {
    host: opts.host,
    home,
    version,
    settings,
    secrets,
    jobs: new JobManager(home),
    stack: new StackService(createDockerClient(), settings, secrets, resourcesDir, home)
  }
}
