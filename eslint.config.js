import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const electronOnlyHere = ['src/main/index.ts', 'src/main/electron/**', 'src/preload/**']

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    // Layering: only the thin Electron entry may import electron; everything else runs on plain
    // Node too (server mode, CLI, tests).
    files: ['**/*.ts', '**/*.tsx'],
    ignores: electronOnlyHere,
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only src/main/index.ts and src/main/electron/ may import electron: keep services plain Node.' }] }]
    }
  },
  {
    // The renderer talks to main only through the typed API; it never reaches Node or main's code.
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer is sandboxed: use the API client.' }],
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a browser sandbox.' },
            { group: ['**/main/**', '**/preload/**'], message: 'Use the API client (src/renderer/src/api) instead of main-process code.' }
          ]
        }
      ]
    }
  },
  {
    // The shared contract is imported by every host, so it depends on nothing app-internal.
    files: ['src/shared/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/main/**', '**/renderer/**', '**/preload/**', 'node:*', 'electron'], message: 'src/shared imports nothing host-specific.' }] }] }
  }
)
