import { useQuery } from '@tanstack/react-query'
import { api } from '../api/client'
import { errorText } from '../api/errors'

/**
 * The audit trail's hash chain: verified up to entry N at time T, or broken at entry N and why.
 * Checked incrementally from the last verified entry, so it stays fast at a million entries.
 */
export function ChainStatus(): React.JSX.Element {
  const chain = useQuery({ queryKey: ['audit', 'chain'], queryFn: () => api.audit.chain({ full: false }), refetchInterval: 30_000 })
  if (chain.error) return <p className="muted">Audit trail: {errorText(chain.error)}</p>
  if (!chain.data) return <p className="muted">Verifying the audit trail…</p>
  const c = chain.data
  return c.ok ? (
    <p className="notice good-notice" data-testid="chain-status">
      Audit trail verified: {c.checked} entries, up to entry {c.head?.seq ?? '—'} ({c.head ? new Date(c.head.ts).toLocaleString() : 'empty'}), checked {new Date(c.verifiedAt).toLocaleTimeString()}
      {c.lastFullAt ? `; last full check ${new Date(c.lastFullAt).toLocaleString()}` : ''}.
    </p>
  ) : (
    <p className="notice bad" role="alert" data-testid="chain-status">
      Audit trail BROKEN at entry {c.broken!.seq}: {c.broken!.reason}
    </p>
  )
}
