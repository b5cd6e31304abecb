import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import Piscina from 'piscina'
import type { FileRows, PrepareRun, PreparedInWorker } from './load-file'
import type { InputFile } from './sources'

/** The built worker script (out/main/import-worker.js); absent when the code runs from source (tests). */
export function importWorkerScript(): string | null {
  const forced = process.env.FDA_IMPORT_WORKER_SCRIPT
  if (forced) return forced
  for (const rel of ['./import-worker.js', '../import-worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(path)) return path
  }
  return null
}

/**
 * Worker threads that prepare cache files while PostgreSQL writes the previous ones. Preparing
 * (parse, canonical JSON, checksums) costs more CPU than PostgreSQL's share of the load, so it runs
 * on every core; the main thread stays free to keep the COPY fed.
 */
export class PreparePool {
  private constructor(private readonly pool: Piscina) {}

  /** Threads: one per core (at most 4); FDA_IMPORT_WORKERS overrides, 0 prepares on the main thread. */
  static open(): PreparePool | null {
    const wanted = process.env.FDA_IMPORT_WORKERS !== undefined ? Number(process.env.FDA_IMPORT_WORKERS) : Math.min(4, availableParallelism())
    const script = importWorkerScript()
    if (!script || !(wanted >= 1)) return null
    return new PreparePool(new Piscina({ filename: script, minThreads: wanted, maxThreads: wanted, idleTimeout: 60_000 }))
  }

  get threads(): number {
    return this.pool.options.maxThreads
  }

  async prepare(run: PrepareRun, file: InputFile): Promise<FileRows | null> {
    const r = (await this.pool.run({ run: { checksumKey: run.checksumKey, endpointHint: run.endpointHint }, file })) as PreparedInWorker | null
    if (!r) return null
    return { out: r.out, newest: r.newest, fileReject: r.fileReject, chunks: [Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)] }
  }

  close(): Promise<void> {
    return this.pool.destroy()
  }
}
