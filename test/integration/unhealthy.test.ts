import { afterAll, expect, it } from 'vitest'
import { createDockerClient } from '../../src/main/stack/docker-client'
import { testStack } from '../support/test-stack'

// A PostgreSQL that cannot start (asked for more shared memory than the machine has) must give a
// clear error with its last log lines and the fix, not a hang or a stack trace.
const s = testStack(55420, { pgMemoryMb: 64 * 1024 * 1024, healthTimeoutSeconds: 30 })
afterAll(async () => {
  await s.teardown()
})

it('a container that cannot start is reported with its log and the fix', async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  expect(done.state).toBe('failed')
  expect(done.error).toMatch(new RegExp(`BLUE \\(${s.stackName}-blue\\) (exited with code \\d+|failed its health check)`))
  expect(done.error).toMatch(/Last log lines: .*(shared memory|could not map|FATAL)/i)
  expect(done.error).toMatch(/Fix: .*stack logs blue/)
  // …and it is not left crash-looping under its restart policy.
  const info = await createDockerClient().getContainer(`${s.stackName}-blue`).inspect()
  expect(info.State.Running || info.State.Restarting).toBe(false)
})
