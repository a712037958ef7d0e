// electron-vite 6 needs explicit inputs because our folders are not its src/{main,preload,renderer}
// defaults (notes §1.2). Never enable build.bytecode: it spawns the Electron binary during the build.
import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

const root = import.meta.dirname
// Paths the dev renderer sends to the Vigil server: proxied so the page only ever talks to 'self' and
// the production CSP (connect-src 'self') holds in development too.
const serverUrl = process.env.VIGIL_SERVER_URL || 'http://127.0.0.1:8080'
const proxied = ['/health', '/v2', '/api', '/socket.io']

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: { input: { index: resolve(root, 'src-main/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // CommonJS because sandboxed renderers cannot load ESM preloads; output is out/preload/index.cjs.
      rolldownOptions: { input: { index: resolve(root, 'src-main/preload.ts') }, output: { format: 'cjs' } },
      // A sandboxed preload can require() only 'electron' and a few builtins, so bundle everything else.
      externalizeDeps: false,
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    // Relative asset URLs: the same build works under the server's /console/ and from any other path.
    base: './',
    envPrefix: ['RENDERER_VITE_'],
    plugins: [react()],
    server: {
      proxy: Object.fromEntries(
        proxied.map((path) => [path, { target: serverUrl, ws: path === '/socket.io' }]),
      ),
    },
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      // electron-vite targets Electron's Chromium unminified (it assumes local files); this bundle is also
      // served over HTTP to ordinary browsers, so target ES2022 (every current browser) and minify.
      target: 'es2022',
      minify: true,
      rolldownOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
})
