import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { generateRecords } from '../src/main/bench/generate-records'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../src/main/openfda/testing/test-openfda-server'

/**
 * The e2e run's openFDA: the bundled classification samples (what `stack up --samples` loaded) and
 * two new product codes, so a refresh from the Status screen has something to bring and changes
 * nothing the other specs look at.
 */
export async function startOpenFdaStandIn(port: number): Promise<TestOpenFdaServer> {
  const samples = JSON.parse(readFileSync(fileURLToPath(new URL('../resources/samples/device-classification.sample.json', import.meta.url)), 'utf8')).results as Record<string, unknown>[]
  const known = new Set(samples.map((r) => r.product_code))
  const added = [...generateRecords('classification', 20, { seed: 21 })].filter((r) => !known.has(r.product_code)).slice(0, 2)
  return startTestOpenFdaServer({ records: { classification: [...samples, ...added] }, port })
}
