import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api } from '../api/client'
import { errorText } from '../api/errors'

/**
 * Administrators: secrets as write-only fields (shown as set or not set, never echoed back) and the
 * console settings kept in the database. Every change is in the audit trail (never a secret's value).
 */
export function SettingsScreen(): React.JSX.Element {
  const qc = useQueryClient()
  const secrets = useQuery({ queryKey: ['secrets'], queryFn: () => api.security.secrets.list() })
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings.list() })
  const [values, setValues] = useState<Record<string, string>>({})
  const [message, setMessage] = useState<string | null>(null)
  const act = useMutation({
    mutationFn: (fn: () => Promise<unknown>) => fn(),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['secrets'] }).then(() => qc.invalidateQueries({ queryKey: ['settings'] })),
    onError: (e) => setMessage(errorText(e))
  })
  const run = (fn: () => Promise<unknown>, done: string): void => {
    setMessage(null)
    act.mutate(fn, { onSuccess: () => setMessage(done) })
  }
  return (
    <section>
      <h1>Settings</h1>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <h2>Secrets</h2>
      <p className="muted small">Values are write-only: once saved they are never shown again, and never written to logs, job history or exports.</p>
      {secrets.error ? <p className="bad" role="alert">{errorText(secrets.error)}</p> : null}
      <table>
        <thead><tr><th>Secret</th><th>State</th><th>New value</th><th /></tr></thead>
        <tbody>
          {secrets.data?.map((x) => (
            <tr key={x.name} data-testid={`secret-${x.name}`}>
              <td><code>{x.name}</code><br /><span className="muted small">{x.describe}</span></td>
              <td>{x.set ? <span className="pill good">set</span> : <span className="pill muted">not set</span>}{x.managed ? <span className="muted small"> managed by the console</span> : null}</td>
              <td>
                {x.managed ? null : (
                  <input
                    type="password" autoComplete="off" aria-label={`New value of ${x.name}`} value={values[x.name] ?? ''} maxLength={16384}
                    onChange={(e) => setValues({ ...values, [x.name]: e.target.value })}
                  />
                )}
              </td>
              <td className="actions">
                {x.managed ? null : (
                  <>
                    <button disabled={!values[x.name]} onClick={() => {
                      const value = values[x.name]
                      setValues({ ...values, [x.name]: '' })
                      run(() => api.security.secrets.set({ name: x.name, value }), `${x.name} saved`)
                    }}>Save</button>
                    <button className="secondary" disabled={!x.set} onClick={() => {
                      if (window.confirm(`Forget ${x.name}?`)) run(() => api.security.secrets.clear({ name: x.name }), `${x.name} cleared`)
                    }}>Clear</button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Console settings</h2>
      <table>
        <thead><tr><th>Setting</th><th>Value</th><th>Allowed</th><th /></tr></thead>
        <tbody>
          {settings.data?.map((x) => (
            <tr key={x.key} data-testid={`setting-${x.key}`}>
              <td><code>{x.key}</code><br /><span className="muted small">{x.describe}</span></td>
              <td>{x.value} {x.unit}</td>
              <td>{x.min}–{x.max}</td>
              <td>
                <button className="secondary" onClick={() => {
                  const v = window.prompt(`${x.key} (${x.min}–${x.max} ${x.unit})`, String(x.value))
                  if (v !== null && /^\d+$/.test(v.trim())) run(() => api.settings.set({ key: x.key, value: Number(v.trim()) }), `${x.key} = ${v.trim()}`)
                }}>Change</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
