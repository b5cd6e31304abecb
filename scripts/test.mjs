// The whole test suite: build, lint, typecheck, unit and integration tests (vitest, real Docker),
// end-to-end tests (Playwright in Debian's Chromium against server mode; Electron where a binary
// exists). Ends with one summary line "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const results = { passed: 0, failed: 0, skipped: 0 }
const problems = []

function step(name, cmd, args, env = {}) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  if (r.status !== 0) problems.push(`${name} exited with ${r.status ?? r.signal}`)
  return r.status === 0
}

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null
}

rmSync('test-results', { recursive: true, force: true })
mkdirSync('test-results', { recursive: true })

const built = step('build', 'npm', ['run', 'build'])
for (const [name, script] of [['lint', 'lint'], ['typecheck', 'typecheck']]) {
  if (step(name, 'npm', ['run', script])) results.passed++
  else results.failed++
}

step('unit and integration tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json'])
const vitest = readJson('test-results/vitest.json')
if (vitest) {
  results.passed += vitest.numPassedTests
  // a suite that fails to load has no failed test of its own: count it
  results.failed += vitest.numFailedTests + (vitest.numFailedTests === 0 && !vitest.success ? 1 : 0)
  results.skipped += vitest.numPendingTests + vitest.numTodoTests
} else results.failed++

if (built) {
  if (!process.env.ELECTRON_PATH)
    process.stdout.write('\nNote: ELECTRON_PATH is not set, so the Electron project of the e2e suite is skipped (no Electron binary here); the same specs run in Chromium against server mode.\n')
  step('end-to-end tests', 'npx', ['playwright', 'test'], { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' })
  const e2e = readJson('test-results/e2e.json')
  if (e2e) {
    results.passed += e2e.stats.expected + e2e.stats.flaky
    results.failed += e2e.stats.unexpected
    results.skipped += e2e.stats.skipped
  } else results.failed++
} else results.failed++

if (problems.length) process.stdout.write(`\nProblems: ${problems.join('; ')}\n`)
process.stdout.write(`\ntests: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped\n`)
process.exit(results.failed === 0 && problems.length === 0 ? 0 : 1)
