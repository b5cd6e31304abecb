import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import type { SwitchRecord } from '../../src/shared/contracts/deploy'
import { formatDeployStatus, formatGuardrails } from '../../src/main/cli/commands/deploy'
import { DeployStateFile } from '../../src/main/deploy/deploy-state'
import { connInfo, subscriptionName } from '../../src/main/deploy/replication'
import { switchInProgress } from '../../src/main/deploy/switch'
import { tempHome } from '../support/temp-home'

const t = tempHome()
afterAll(() => t.cleanup())

const record = (over: Partial<SwitchRecord> = {}): SwitchRecord => ({
  id: `promote-${Math.random().toString(36).slice(2)}`, kind: 'promote', from: 'blue', to: 'green', fromPort: 1, toPort: 2,
  step: 'pause', state: 'running', startedAt: new Date().toISOString(), endedAt: null, pauseMs: null, steps: [],
  by: 'alice', signatureSeq: 7, overrideReason: null, message: null, reversePoint: null, ownerPid: null, ...over
})

describe('the persisted switch state', () => {
  it('keeps every step of a switch, newest switch first, and finds the unfinished one', () => {
    const f = new DeployStateFile(t.home)
    const a = record({ state: 'done', step: 'done' })
    f.saveSwitch(a)
    const b = record()
    f.saveSwitch(b)
    b.steps.push({ step: 'drained', ms: 3, at: new Date().toISOString() })
    f.saveSwitch(b)
    const again = new DeployStateFile(t.home).read()
    expect(again.switches.map((x) => x.id)).toEqual([b.id, a.id])
    expect(again.switches[0].steps).toHaveLength(1)
    expect(new DeployStateFile(t.home).unfinished()?.id).toBe(b.id)
  })

  it('leaves a switch alone while the process carrying it out runs, and not after it died', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
    await new Promise((r) => child.once('spawn', r))
    const alive = record({ ownerPid: child.pid! })
    expect(switchInProgress(alive)).toBe(true)
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(switchInProgress(alive)).toBe(false)
    expect(switchInProgress(record({ ownerPid: process.pid }))).toBe(false) // ours, but not active in memory: a leftover
    expect(switchInProgress(record({ ownerPid: null }))).toBe(false)
  })
})

describe('replication names and connection strings', () => {
  it('names a subscription after its direction and quotes passwords safely', () => {
    expect(subscriptionName('blue', 'green')).toBe('fda_ops_blue_to_green')
    const s = connInfo(54320, 'fda_admin', "it's a \\ pass")
    expect(s).toContain("password='it\\'s a \\\\ pass'")
    expect(s).toContain('host=127.0.0.1 port=54320')
  })
})

describe('deploy output for people', () => {
  it('shows each guardrail as PASS/FAIL with its fix, and both colors with their rows', () => {
    const g = formatGuardrails([
      { id: 'content', name: 'rows and digests', ok: false, detail: '510k: 9 rows, expected 10', fix: 'Prepare GREEN again.' },
      { id: 'disk', name: 'disk headroom', ok: true, detail: '9000 MiB free', fix: null }
    ])
    expect(g).toMatch(/^FAIL {2}rows and digests: 510k: 9 rows, expected 10\n {6}fix: Prepare GREEN again\.\nPASS {2}disk headroom/)
    const text = formatDeployStatus({
      live: 'green', standby: 'blue', warmUntil: null, preparedAt: null, current: null, recovered: 'half-done switch found',
      history: [record({ state: 'done', pauseMs: 123.4, steps: [{ step: 'pause', ms: 12, at: '' }] })],
      colors: [{
        color: 'green', role: 'live', container: 'fda-green', health: 'healthy', port: 2, serverVersion: '15.18', schemaVersion: 30, startedAt: null,
        replication: { from: null, enabled: false, lagMs: null, detail: 'no subscription' }, error: null,
        content: [{ endpoint: '510k', rows: 10, digest: 'abcdef0123456789', expectedRows: 10, expectedDigest: 'abcdef0123456789', expectationSource: 'copy:x' }]
      }]
    })
    expect(text).toContain('live: GREEN   standby: BLUE')
    expect(text).toContain('recovered: half-done switch found')
    expect(text).toMatch(/510k\s+10 rows {2}abcdef012345 {2}expected 10/)
    expect(text).toMatch(/promote BLUE → GREEN done; pause 123.4 ms/)
  })
})
