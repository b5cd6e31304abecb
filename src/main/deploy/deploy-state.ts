import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Color } from '../../shared/schemas'
import type { SwitchRecord } from '../../shared/contracts/deploy'
import { writeFileAtomic } from '../config/atomic-file'

/**
 * The blue-green state kept in the state directory (not in either database, so it survives whichever
 * color is down): the switch in progress as a persisted state machine (written after every step, so
 * the next start can finish or undo a half-done switch), the history of switches with their measured
 * pauses, and which color was prepared or is kept warm.
 */
export interface DeployState {
  prepared: { color: Color; at: string; by: string; method: 'clone' | 'restore' } | null
  /** After a switch: the previous color, replicated back to; kept warm for deploy.warmWindowHours from `since`. */
  warm: { color: Color; since: string } | null
  switches: SwitchRecord[]
}

const HISTORY = 200
const EMPTY: DeployState = { prepared: null, warm: null, switches: [] }

export class DeployStateFile {
  private readonly file: string

  constructor(home: string) {
    const dir = join(home, 'deploy')
    mkdirSync(dir, { recursive: true })
    this.file = join(dir, 'state.json')
  }

  read(): DeployState {
    if (!existsSync(this.file)) return structuredClone(EMPTY)
    try {
      return { ...structuredClone(EMPTY), ...(JSON.parse(readFileSync(this.file, 'utf8')) as DeployState) }
    } catch {
      return structuredClone(EMPTY)
    }
  }

  update(fn: (s: DeployState) => void): DeployState {
    const s = this.read()
    fn(s)
    s.switches = s.switches.slice(0, HISTORY)
    writeFileAtomic(this.file, JSON.stringify(s, null, 1))
    return s
  }

  /** Writes one switch record (newest first), replacing an earlier version of it. */
  saveSwitch(r: SwitchRecord): void {
    this.update((s) => {
      const i = s.switches.findIndex((x) => x.id === r.id)
      if (i >= 0) s.switches[i] = structuredClone(r)
      else s.switches.unshift(structuredClone(r))
    })
  }

  unfinished(): SwitchRecord | null {
    return this.read().switches.find((x) => x.state === 'running') ?? null
  }
}
