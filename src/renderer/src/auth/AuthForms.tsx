import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api } from '../api/client'
import { errorText } from '../api/errors'

function useAuthMutation<T>(fn: (v: T) => Promise<unknown>) {
  const qc = useQueryClient()
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries() })
}

function Field(props: { label: string; name: string; type?: string; value: string; onChange: (v: string) => void; autoComplete?: string }): React.JSX.Element {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input name={props.name} type={props.type ?? 'text'} value={props.value} autoComplete={props.autoComplete} onChange={(e) => props.onChange(e.target.value)} required />
    </label>
  )
}

export function LoginForm(): React.JSX.Element {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const login = useAuthMutation(() => api.auth.login({ username, password }))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    login.mutate(undefined, { onSettled: () => setPassword('') })
  }
  return (
    <form className="card auth" onSubmit={submit} aria-label="Sign in">
      <h1>Sign in</h1>
      <Field label="User name" name="username" value={username} onChange={setUsername} autoComplete="username" />
      <Field label="Password" name="password" type="password" value={password} onChange={setPassword} autoComplete="current-password" />
      {login.error ? <p className="bad" role="alert">{errorText(login.error)}</p> : null}
      <button type="submit" disabled={login.isPending}>Sign in</button>
    </form>
  )
}

export function FirstAdminForm(): React.JSX.Element {
  const [username, setUsername] = useState('')
  const [printedName, setPrintedName] = useState('')
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const setup = useAuthMutation(() => api.auth.setupFirstAdmin({ username, printedName, password }))
  const mismatch = confirm.length > 0 && confirm !== password
  return (
    <form
      className="card auth"
      aria-label="Create the first administrator"
      onSubmit={(e) => {
        e.preventDefault()
        if (!mismatch) setup.mutate(undefined)
      }}
    >
      <h1>Create the first administrator</h1>
      <p className="muted">No account exists yet. This administrator creates everyone else's accounts. User names are never reused.</p>
      <Field label="User name" name="username" value={username} onChange={setUsername} autoComplete="username" />
      <Field label="Full name (as printed on signatures)" name="printedName" value={printedName} onChange={setPrintedName} autoComplete="name" />
      <Field label="Password (at least 12 characters)" name="password" type="password" value={password} onChange={setPassword} autoComplete="new-password" />
      <Field label="Password again" name="confirm" type="password" value={confirm} onChange={setConfirm} autoComplete="new-password" />
      {mismatch ? <p className="bad" role="alert">The two passwords differ.</p> : null}
      {setup.error ? <p className="bad" role="alert">{errorText(setup.error)}</p> : null}
      <button type="submit" disabled={setup.isPending || mismatch}>Create and sign in</button>
    </form>
  )
}

export function ChangePasswordForm(): React.JSX.Element {
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const change = useAuthMutation(() => api.auth.changePassword({ current, next }))
  return (
    <form
      className="card auth"
      aria-label="Change your password"
      onSubmit={(e) => {
        e.preventDefault()
        change.mutate(undefined)
      }}
    >
      <h1>Change your password</h1>
      <p className="muted">Your password has expired or was set by an administrator. Choose a new one to continue.</p>
      <Field label="Current password" name="current" type="password" value={current} onChange={setCurrent} autoComplete="current-password" />
      <Field label="New password" name="next" type="password" value={next} onChange={setNext} autoComplete="new-password" />
      {change.error ? <p className="bad" role="alert">{errorText(change.error)}</p> : null}
      <button type="submit" disabled={change.isPending}>Change password</button>
    </form>
  )
}
