import { availableParallelism } from 'node:os'
import Piscina from 'piscina'
import { builtScript } from '../app/built-script'
import { prepareFile, type FileRows, type PrepareRun, type PreparedInWorker } from './load-file'
import type { InputFile } from './sources'

/** The built worker script (out/main/import-worker.js); FDA_IMPORT_WORKER_SCRIPT names it for tests running from source. */
export function importWorkerScript(): string | null {
  return process.env.FDA_IMPORT_WORKER_SCRIPT || builtScript('import-worker.js')
}

/**
 * Worker threads that prepare cache files while PostgreSQL writes the previous ones. Preparing
 * (parse, canonical JSON, checksums: about 70 µs a record) costs as much CPU as PostgreSQL's share
 * of the load, so it runs on every core; the main thread stays free to keep the COPY fed.
 */
export class PreparePool {
  private closed = false
  private constructor(private readonly pool: Piscina) {}

  /** Threads: one per core (at most 4); FDA_IMPORT_WORKERS overrides, 0 prepares on the main thread. */
  static open(): PreparePool | null {
    const wanted = process.env.FDA_IMPORT_WORKERS !== undefined ? Number(process.env.FDA_IMPORT_WORKERS) : Math.min(4, availableParallelism())
    const script = importWorkerScript()
    if (!script || !(wanted >= 1)) return null
    // Each thread's heap is capped, so the import's memory stays flat however many files it reads
    // (files up to READ_AHEAD_MAX_BYTES need well under this; a 1M-record import peaked at 347-378 MiB).
    const resourceLimits = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 8 }
    return new PreparePool(new Piscina({ filename: script, minThreads: wanted, maxThreads: wanted, idleTimeout: 60_000, resourceLimits }))
  }

  get threads(): number {
    return this.pool.options.maxThreads
  }

  /** A file's rows; when its thread fails (out of memory on an unusually large file), the main thread prepares it. */
  async prepare(run: PrepareRun, file: InputFile): Promise<FileRows | null> {
    let r: PreparedInWorker | null
    try {
      r = (await this.pool.run({ run: { checksumKey: run.checksumKey, endpointHint: run.endpointHint }, file })) as PreparedInWorker | null
    } catch (e) {
      if (this.closed) throw e
      return prepareFile(run, file, () => {})
    }
    if (!r) return null
    return { out: r.out, newest: r.newest, fileReject: r.fileReject, sensitive: r.sensitive, chunks: [Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)] }
  }

  close(): Promise<void> {
    this.closed = true
    return this.pool.destroy()
  }
}
