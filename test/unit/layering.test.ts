import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint()
async function restricted(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('layering lint rule', () => {
  const importElectron = "import { app } from 'electron'\nexport const a = app\n"

  it('forbids electron outside the thin entry', async () => {
    expect(await restricted(importElectron, 'src/main/stack/leak.ts')).toHaveLength(1)
    expect(await restricted(importElectron, 'src/main/cli/leak.ts')).toHaveLength(1)
    expect(await restricted(importElectron, 'src/shared/leak.ts')).not.toHaveLength(0)
  })

  it('allows electron in the entry, its folder and the preload', async () => {
    expect(await restricted(importElectron, 'src/main/index.ts')).toHaveLength(0)
    expect(await restricted(importElectron, 'src/main/electron/window.ts')).toHaveLength(0)
    expect(await restricted(importElectron, 'src/preload/index.ts')).toHaveLength(0)
  })

  it('keeps the renderer off Node and main-process code', async () => {
    expect(await restricted("import { readFileSync } from 'node:fs'\nexport const r = readFileSync\n", 'src/renderer/src/x.ts')).toHaveLength(1)
    expect(await restricted("import { router } from '../../main/app/router'\nexport const r = router\n", 'src/renderer/src/x.ts')).toHaveLength(1)
  })
})
