import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, release, totalmem, type as osType } from 'node:os'
import { join } from 'node:path'
import type { BenchMachine, BenchRevision } from '../../../shared/schemas/bench'

/** "Debian GNU/Linux 12 (bookworm)" from os-release, else the kernel's name and release. */
function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))
    if (m) return `${m[1]}, ${osType()} ${release()}`
  } catch {
    // not Linux, or no os-release: the kernel's name will do
  }
  return `${osType()} ${release()}`
}

export function describeMachine(versions: { postgres: string | null; pgbouncer: string | null }): BenchMachine {
  const c = cpus()
  return {
    cpu: c[0]?.model?.trim() || 'unknown', cores: c.length, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(), node: process.version, postgres: versions.postgres, pgbouncer: versions.pgbouncer
  }
}

/** The git revision of the checkout the console runs from (null fields in a packaged build without git). */
export function gitRevision(repoDir: string, version: string): BenchRevision {
  const git = (...args: string[]): string | null => {
    try {
      return execFileSync('git', ['-C', repoDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim()
    } catch {
      return null
    }
  }
  if (!existsSync(join(repoDir, '.git'))) return { commit: null, branch: null, dirty: null, version }
  const status = git('status', '--porcelain', '--untracked-files=no')
  return { commit: git('rev-parse', 'HEAD'), branch: git('rev-parse', '--abbrev-ref', 'HEAD'), dirty: status === null ? null : status.length > 0, version }
}
