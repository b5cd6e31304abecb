import type Docker from 'dockerode'
import type { Color } from '../../shared/schemas'
import type { Services } from '../app/services'
import type { Actor } from '../db/database'
import { containerName, volumeNames } from '../stack/spec'
import { StackError } from '../stack/stack-error'
import type { BackupStore } from './store'

/** What every backup operation works with. */
export interface BackupDeps {
  s: Pick<Services, 'stack' | 'db' | 'audit' | 'settings' | 'secrets' | 'home' | 'jobs' | 'resourcesDir'>
  docker: Docker
  store: BackupStore
}

export type { Actor }

/** The color PgBouncer sends clients to (the one to back up), read from PgBouncer itself. */
export async function liveColor(d: BackupDeps): Promise<Color> {
  const st = await d.s.stack.status()
  if (!st.liveColor) throw new StackError('DATABASE_UNAVAILABLE', 'No live color: PgBouncer is not running or points at no color.', 'Start the stack with `fda-offline stack up`.')
  return st.liveColor
}

export function colorContainer(d: BackupDeps, color: Color): Docker.Container {
  return d.docker.getContainer(containerName(d.s.settings.stackName, color))
}

export const walArchiveVolume = (d: BackupDeps): string => volumeNames(d.s.settings.stackName).walArchive

export const newId = (type: string, at = new Date()): string =>
  `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${type}-${Math.random().toString(36).slice(2, 6)}`
