import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import type { Role } from '../../../shared/schemas'
import { api } from '../api/client'
import { errorText } from '../api/errors'

const ROLES: Role[] = ['viewer', 'operator', 'admin']

/** Accounts are created, disabled (never deleted), reset and re-roled here; every change is audited. */
export function UsersScreen(): React.JSX.Element {
  const qc = useQueryClient()
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.users.list() })
  const [form, setForm] = useState({ username: '', printedName: '', role: 'viewer' as Role, password: '' })
  const [message, setMessage] = useState<string | null>(null)
  const act = useMutation({
    mutationFn: (fn: () => Promise<unknown>) => fn(),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['users'] }),
    onError: (e) => setMessage(errorText(e))
  })
  const run = (fn: () => Promise<unknown>, done: string) => {
    setMessage(null)
    act.mutate(fn, { onSuccess: () => setMessage(done) })
  }
  return (
    <section>
      <h1>Users</h1>
      {message ? <p className="notice" role="status">{message}</p> : null}
      {users.error ? <p className="bad" role="alert">{errorText(users.error)}</p> : null}
      <table>
        <thead><tr><th>Id</th><th>User name</th><th>Printed name</th><th>Role</th><th>State</th><th>Last sign-in</th><th /></tr></thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id} data-testid={`user-${u.username}`}>
              <td>{u.id}</td>
              <td>{u.username}</td>
              <td>{u.printedName}</td>
              <td>
                <select aria-label={`Role of ${u.username}`} value={u.role} disabled={u.disabled} onChange={(e) => run(() => api.users.changeRole({ username: u.username, role: e.target.value as Role }), `${u.username} is now ${e.target.value}`)}>
                  {ROLES.map((r) => <option key={r}>{r}</option>)}
                </select>
              </td>
              <td>{u.disabled ? 'disabled' : u.locked ? <span className="bad">locked</span> : u.mustChangePassword ? 'must change password' : 'active'}</td>
              <td>{u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : '—'}</td>
              <td className="actions">
                <button className="secondary" disabled={u.disabled} onClick={() => {
                  const temp = window.prompt(`Temporary password for ${u.username} (at least 12 characters; they must change it at sign-in)`)
                  if (temp) run(() => api.users.resetPassword({ username: u.username, temporaryPassword: temp }), `Password of ${u.username} reset; the account is unlocked`)
                }}>Reset password</button>
                <button className="secondary" disabled={u.disabled} onClick={() => {
                  if (window.confirm(`Disable ${u.username}? The account is kept (and its user name never reused) but can no longer sign in.`))
                    run(() => api.users.disable({ username: u.username }), `${u.username} disabled`)
                }}>Disable</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New account</h2>
      <form className="row wrap" aria-label="New account" onSubmit={(e) => {
        e.preventDefault()
        run(() => api.users.create(form), `${form.username} created; they must change the temporary password at first sign-in`)
        setForm({ ...form, username: '', printedName: '', password: '' })
      }}>
        <input aria-label="User name" placeholder="user name" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
        <input aria-label="Printed name" placeholder="full name" value={form.printedName} onChange={(e) => setForm({ ...form, printedName: e.target.value })} required />
        <select aria-label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {ROLES.map((r) => <option key={r}>{r}</option>)}
        </select>
        <input aria-label="Temporary password" type="password" placeholder="temporary password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
        <button type="submit">Create</button>
      </form>
    </section>
  )
}
