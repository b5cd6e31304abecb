import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import type { AuthState } from '../../shared/schemas'
import { api } from './api/client'
import { errorText } from './api/errors'
import { ChangePasswordForm, FirstAdminForm, LoginForm } from './auth/AuthForms'
import { BlueGreenScreen } from './screens/BlueGreenScreen'
import { BackupsScreen } from './screens/BackupsScreen'
import { BenchmarksScreen } from './screens/BenchmarksScreen'
import { AuditScreen } from './screens/AuditScreen'
import { MigrationScreen } from './screens/MigrationScreen'
import { SettingsScreen } from './screens/SettingsScreen'
import { StatusScreen } from './screens/StatusScreen'
import { UsersScreen } from './screens/UsersScreen'

const SCREENS = [
  { id: 'status', label: 'Status' },
  { id: 'migration', label: 'Migration' },
  { id: 'blue-green', label: 'Blue-Green' },
  { id: 'backups', label: 'Backups' },
  { id: 'audit', label: 'Audit' },
  { id: 'benchmarks', label: 'Benchmarks' },
  { id: 'users', label: 'Users', admin: true },
  { id: 'settings', label: 'Settings', admin: true }
] as const
type ScreenId = (typeof SCREENS)[number]['id']

function useHashRoute(): ScreenId {
  const read = (): ScreenId => {
    const id = window.location.hash.replace(/^#\/?/, '')
    return (SCREENS.find((s) => s.id === id)?.id ?? 'status') as ScreenId
  }
  const [route, setRoute] = useState<ScreenId>(read)
  useEffect(() => {
    const on = (): void => setRoute(read())
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return route
}

/** Sign-in first: first-run setup, sign-in, forced password change; Status stays open while the database is down. */
export function App(): React.JSX.Element {
  const auth = useQuery({ queryKey: ['auth'], queryFn: () => api.auth.state(), refetchInterval: 30_000 })
  if (auth.error)
    return (
      <div className="centered" data-app-state="error">
        <p className="notice bad" role="alert">{errorText(auth.error)}</p>
      </div>
    )
  if (!auth.data) return <div className="centered muted" data-app-state="loading">Starting…</div>
  const a = auth.data
  const gate = a.databaseReachable && a.usersExist === false ? <FirstAdminForm /> : a.databaseReachable && !a.user ? <LoginForm /> : a.user && a.mustChangePassword ? <ChangePasswordForm /> : null
  if (gate) return <div className="centered" data-app-state="sign-in">{gate}</div>
  return <Shell auth={a} />
}

function Shell({ auth }: { auth: AuthState }): React.JSX.Element {
  const route = useHashRoute()
  const qc = useQueryClient()
  const info = useQuery({ queryKey: ['app', 'info'], queryFn: () => api.app.info() })
  const logout = useMutation({ mutationFn: () => api.auth.logout(), onSuccess: () => qc.invalidateQueries() })
  const signedIn = auth.user !== null
  const visible = SCREENS.filter((s) => !('admin' in s) || auth.user?.role === 'admin')
  const screen = visible.find((s) => s.id === route) ?? visible[0]
  return (
    <div className="shell" data-app-state={info.isSuccess ? 'loaded' : 'loading'}>
      <nav className="nav" aria-label="Screens">
        <div className="brand">FDA Offline Console</div>
        {visible.map((s) => (
          <a key={s.id} href={`#/${s.id}`} className={s.id === screen.id ? 'active' : ''} aria-current={s.id === screen.id ? 'page' : undefined}>
            {s.label}
          </a>
        ))}
        <div className="nav-foot">
          <div data-testid="signed-in-user">
            {auth.user ? (
              <>
                Signed in as <strong>{auth.user.printedName}</strong>
                <br />
                {auth.user.username} · {auth.user.role}
              </>
            ) : (
              'Not signed in: the database is not running'
            )}
          </div>
          {signedIn ? (
            <button className="link" onClick={() => logout.mutate()}>Sign out</button>
          ) : null}
          {info.data ? <div title={info.data.home}>v{info.data.version} · {info.data.host}</div> : null}
        </div>
      </nav>
      <main className="content">
        {!auth.databaseReachable ? (
          <p className="notice" role="status">The database is not running, so nobody can sign in yet. Start the stack below; then sign in.</p>
        ) : null}
        {screen.id === 'status' || !signedIn ? (
          <StatusScreen signedIn={signedIn} />
        ) : screen.id === 'migration' ? (
          <MigrationScreen />
        ) : screen.id === 'blue-green' ? (
          <BlueGreenScreen />
        ) : screen.id === 'users' ? (
          <UsersScreen />
        ) : screen.id === 'backups' ? (
          <BackupsScreen />
        ) : screen.id === 'benchmarks' ? (
          <BenchmarksScreen />
        ) : screen.id === 'audit' ? (
          <AuditScreen />
        ) : (
          <SettingsScreen />
        )}
      </main>
    </div>
  )
}
