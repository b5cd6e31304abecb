import { useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { api } from './api/client'
import { errorText } from './api/errors'
import { ComingSoon } from './screens/ComingSoon'
import { StatusScreen } from './screens/StatusScreen'

const SCREENS = [
  { id: 'status', label: 'Status' },
  { id: 'migration', label: 'Migration', issue: 'the migration wizard (import a JSON cache into PostgreSQL)' },
  { id: 'blue-green', label: 'Blue-Green', issue: 'promote and roll back between BLUE and GREEN' },
  { id: 'backups', label: 'Backups', issue: 'backups, the backup calendar and point-in-time restore' },
  { id: 'audit', label: 'Audit', issue: 'the Part 11 audit-trail viewer and exports' },
  { id: 'benchmarks', label: 'Benchmarks', issue: 'benchmark runs and charts' }
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

export function App(): React.JSX.Element {
  const route = useHashRoute()
  const info = useQuery({ queryKey: ['app', 'info'], queryFn: () => api.app.info() })
  const screen = SCREENS.find((s) => s.id === route)!
  return (
    <div className="shell" data-app-state={info.isSuccess ? 'loaded' : 'loading'}>
      <nav className="nav" aria-label="Screens">
        <div className="brand">FDA Offline Console</div>
        {SCREENS.map((s) => (
          <a key={s.id} href={`#/${s.id}`} className={s.id === route ? 'active' : ''} aria-current={s.id === route ? 'page' : undefined}>
            {s.label}
          </a>
        ))}
        <div className="nav-foot">
          {info.data ? (
            <span title={info.data.home}>
              v{info.data.version} · {info.data.host}
            </span>
          ) : info.error ? (
            <span className="bad" role="alert">{errorText(info.error)}</span>
          ) : null}
        </div>
      </nav>
      <main className="content">
        {route === 'status' ? <StatusScreen /> : <ComingSoon title={screen.label} what={'issue' in screen ? screen.issue : ''} />}
      </main>
    </div>
  )
}
