import { parseOpenFdaDate } from './dates'

export const ENDPOINTS = ['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement'] as const
export type Endpoint = (typeof ENDPOINTS)[number]

type Rec = Record<string, unknown>

/** The filter columns of every endpoint table, in table order (the allow-list for generated SQL). */
export const EXTRACTED_COLUMNS = [
  'product_code', 'firm', 'device_name', 'device_class', 'decision_date', 'decision_date_raw', 'received_date', 'received_date_raw', 'report_date', 'report_date_raw'
] as const

/** The columns every endpoint table has beside its key, extracted from the record for filtering. */
export interface Extracted {
  product_code: string | null
  firm: string | null
  device_name: string | null
  device_class: string | null
  decision_date: string | null
  decision_date_raw: string | null
  received_date: string | null
  received_date_raw: string | null
  report_date: string | null
  report_date_raw: string | null
}

export interface EndpointDef {
  endpoint: Endpoint
  /** openFDA's API path, e.g. /device/510k.json */
  apiPath: string
  table: string
  /** Primary-key columns of the table, in order. */
  keyColumns: string[]
  /** The key columns (and any column derived with them, such as UDI's key_source) read from a record. */
  key(record: Rec): Record<string, string>
  extract(record: Rec): Omit<Extracted, `${string}_date` | `${string}_date_raw`> & { dates: { decision?: unknown; received?: unknown; report?: unknown } }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null)
const first = (...vs: unknown[]): string | null => vs.map(str).find((v) => v !== null) ?? null
const openfda = (r: Rec): Rec => (r.openfda && typeof r.openfda === 'object' ? (r.openfda as Rec) : {})
const firstOf = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v)

export class KeyError extends Error {}
function required(record: Rec, field: string): string {
  const v = str(record[field])
  if (v === null) throw new KeyError(`the record has no ${field}`)
  return v
}

/**
 * UDI records are keyed by public_device_record_key; when it is absent, by the primary device
 * identifier (the `identifiers[]` entry of type "Primary"), which GUDID also keeps unique.
 */
export function udiKey(record: Rec): { record_key: string; key_source: 'public_device_record_key' | 'primary_di' } {
  const pdrk = str(record.public_device_record_key)
  if (pdrk) return { record_key: pdrk, key_source: 'public_device_record_key' }
  const ids = Array.isArray(record.identifiers) ? (record.identifiers as Rec[]) : []
  const primary = ids.find((i) => String(i.type ?? '').toLowerCase() === 'primary') ?? (ids.length === 1 ? ids[0] : undefined)
  const di = str(primary?.id)
  if (!di) throw new KeyError('the UDI record has neither public_device_record_key nor a primary identifier')
  return { record_key: di, key_source: 'primary_di' }
}

export const ENDPOINT_DEFS: Record<Endpoint, EndpointDef> = {
  '510k': {
    endpoint: '510k', apiPath: '/device/510k.json', table: 'device_510k', keyColumns: ['k_number'],
    key: (r) => ({ k_number: required(r, 'k_number') }),
    extract: (r) => ({
      product_code: str(r.product_code), firm: str(r.applicant), device_name: str(r.device_name),
      device_class: str(openfda(r).device_class),
      dates: { decision: r.decision_date, received: r.date_received }
    })
  },
  classification: {
    endpoint: 'classification', apiPath: '/device/classification.json', table: 'device_classification', keyColumns: ['product_code'],
    key: (r) => ({ product_code: required(r, 'product_code') }),
    extract: (r) => ({
      product_code: str(r.product_code), firm: null, device_name: str(r.device_name), device_class: str(r.device_class),
      dates: {}
    })
  },
  event: {
    endpoint: 'event', apiPath: '/device/event.json', table: 'device_event', keyColumns: ['mdr_report_key'],
    key: (r) => ({ mdr_report_key: required(r, 'mdr_report_key') }),
    extract: (r) => {
      const device = (firstOf(r.device) ?? {}) as Rec
      return {
        product_code: str(device.device_report_product_code),
        firm: first(device.manufacturer_d_name, r.manufacturer_name),
        device_name: first(device.generic_name, device.brand_name),
        device_class: str(openfda(device).device_class),
        dates: { received: r.date_received, report: r.date_report }
      }
    }
  },
  recall: {
    endpoint: 'recall', apiPath: '/device/recall.json', table: 'device_recall', keyColumns: ['product_res_number'],
    key: (r) => ({ product_res_number: required(r, 'product_res_number') }),
    extract: (r) => ({
      product_code: str(r.product_code), firm: str(r.recalling_firm),
      device_name: first(openfda(r).device_name, r.product_description), device_class: str(openfda(r).device_class),
      dates: { decision: r.event_date_initiated, received: r.event_date_created, report: r.event_date_posted }
    })
  },
  pma: {
    endpoint: 'pma', apiPath: '/device/pma.json', table: 'device_pma', keyColumns: ['pma_number', 'supplement_number'],
    // The original PMA has no supplement number: it is stored as '' so (pma, supplement) stays a key.
    key: (r) => ({ pma_number: required(r, 'pma_number'), supplement_number: str(r.supplement_number) ?? '' }),
    extract: (r) => ({
      product_code: str(r.product_code), firm: str(r.applicant), device_name: first(r.trade_name, r.generic_name),
      device_class: str(openfda(r).device_class),
      dates: { decision: r.decision_date, received: r.date_received }
    })
  },
  udi: {
    endpoint: 'udi', apiPath: '/device/udi.json', table: 'device_udi', keyColumns: ['record_key'],
    key: (r) => udiKey(r),
    extract: (r) => {
      const pc = (firstOf(r.product_codes) ?? {}) as Rec
      return {
        product_code: str(pc.code), firm: str(r.company_name), device_name: first(r.brand_name, r.device_description),
        device_class: str(openfda(pc).device_class),
        dates: { report: r.publish_date }
      }
    }
  },
  enforcement: {
    endpoint: 'enforcement', apiPath: '/device/enforcement.json', table: 'device_enforcement', keyColumns: ['recall_number'],
    key: (r) => ({ recall_number: required(r, 'recall_number') }),
    extract: (r) => ({
      product_code: str(firstOf(openfda(r).product_code)), firm: str(r.recalling_firm),
      device_name: first(firstOf(openfda(r).device_name), r.product_description),
      device_class: str(firstOf(openfda(r).device_class)), // `classification` is the recall's class, not the device's
      dates: { decision: r.center_classification_date, received: r.recall_initiation_date, report: r.report_date }
    })
  }
}

/** The table row's key and filter columns for a record; throws KeyError when the key is missing. */
export function toRow(endpoint: Endpoint, record: Rec): { key: Record<string, string>; keyText: string; columns: Extracted } {
  const def = ENDPOINT_DEFS[endpoint]
  const key = def.key(record)
  const { dates, ...rest } = def.extract(record)
  const raw = (v: unknown) => (v === undefined || v === null || v === '' ? null : String(v))
  const columns: Extracted = {
    ...rest,
    decision_date: parseOpenFdaDate(dates.decision), decision_date_raw: raw(dates.decision),
    received_date: parseOpenFdaDate(dates.received), received_date_raw: raw(dates.received),
    report_date: parseOpenFdaDate(dates.report), report_date_raw: raw(dates.report)
  }
  const keyText = def.keyColumns.map((c) => key[c]).join('/')
  return { key, keyText, columns }
}

export function isEndpoint(v: string): v is Endpoint {
  return (ENDPOINTS as readonly string[]).includes(v)
}
