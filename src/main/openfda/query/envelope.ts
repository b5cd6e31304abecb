import type { OpenFdaEnvelope, OpenFdaMeta } from './types'

/** The texts openFDA puts in every `meta`, so that a client cannot tell the envelopes apart. */
export const OPENFDA_META = {
  disclaimer:
    'Do not rely on openFDA to make decisions regarding medical care. While we make every effort to ensure that data is accurate, you should assume all results are unvalidated. We may limit or otherwise restrict your access to the API in line with our Terms of Service.',
  terms: 'https://open.fda.gov/terms/',
  license: 'https://open.fda.gov/license/'
} as const

export function baseMeta(lastUpdated: string): OpenFdaMeta {
  return { ...OPENFDA_META, last_updated: lastUpdated }
}

export function searchEnvelope(lastUpdated: string, skip: number, limit: number, total: number, results: unknown[]): OpenFdaEnvelope {
  return { meta: { ...baseMeta(lastUpdated), results: { skip, limit, total } }, results }
}

/** Count answers carry no `meta.results` (as openFDA's). */
export function countEnvelope(lastUpdated: string, results: unknown[]): OpenFdaEnvelope {
  return { meta: baseMeta(lastUpdated), results }
}

export const today = (): string => new Date().toISOString().slice(0, 10)

/** openFDA's date counts answer `{ time: 'YYYYMMDD', count }`, oldest first. */
export const compactDate = (iso: string): string => iso.replace(/-/g, '')
