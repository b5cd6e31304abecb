import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

// One build for three hosts: the Electron main entry, the plain-Node CLI (also server mode), the
// sandboxed preload (CommonJS, as sandboxed preloads must be) and the React renderer.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // import-worker: the importer's worker threads (a file of its own, as Worker needs).
        input: { index: resolve('src/main/index.ts'), cli: resolve('src/main/cli/index.ts'), 'import-worker': resolve('src/main/importer/prepare-worker.ts') }
      }
    }
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } }
  }
})
