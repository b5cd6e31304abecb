import { rmSync } from 'node:fs'
import type { Services } from '../app/services'
import type { JobContext } from '../jobs/job-manager'

/** A job context for a standalone bench's own steps: nothing reported, never cancelled. */
export const quietJob = (id: string): JobContext => ({ jobId: id, signal: new AbortController().signal, report: () => {} })

/**
 * The end of a standalone bench: its stack, volumes and home removed (unless `keep`, which says how
 * to reach them), its services closed. A failed removal is logged, never thrown over the bench's own error.
 */
export async function releaseBenchStack(s: Services, o: { keep: boolean; log: (line: string) => void; home?: string }): Promise<void> {
  if (!o.keep) {
    await s.db.close()
    await s.stack.down({ volumes: true }, quietJob('bench-down')).catch((e: Error) => o.log(`could not remove the bench stack: ${e.message}`))
    if (o.home) rmSync(o.home, { recursive: true, force: true })
  } else o.log(`kept: fda-offline --home ${o.home ?? s.home} status`)
  await s.close()
}
