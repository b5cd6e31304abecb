import type { Endpoint } from '../openfda/endpoints'

type Rec = Record<string, unknown>

/**
 * The endpoint of a record from its shape, for cache files whose names say nothing. Order matters:
 * enforcement and recall records both carry product codes; events carry device lists.
 */
export function inferEndpoint(r: Rec): Endpoint | null {
  if ('mdr_report_key' in r) return 'event'
  if ('k_number' in r) return '510k'
  if ('pma_number' in r) return 'pma'
  if ('product_res_number' in r) return 'recall'
  if ('recall_number' in r && ('recalling_firm' in r || 'reason_for_recall' in r || 'classification' in r)) return 'enforcement'
  if ('public_device_record_key' in r || ('identifiers' in r && Array.isArray(r.identifiers))) return 'udi'
  if ('product_code' in r && 'device_class' in r && 'regulation_number' in r) return 'classification'
  return null
}

/** openFDA bulk download names: device-event-0001-of-0008.json(.zip), device-510k-0001-of-0001.json … */
export function endpointFromName(name: string): Endpoint | null {
  const m = /device-(510k|classification|event|recall|pma|udi|enforcement)\b/i.exec(name)
  return m ? (m[1].toLowerCase() as Endpoint) : null
}
