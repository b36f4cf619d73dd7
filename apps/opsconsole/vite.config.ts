import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console is static files: `vite build apps/opsconsole` writes them to apps/opsconsole/dist,
 * which the launcher serves at `/` (or any static host serves, with /admin/v1 proxied).
 * `vite` (dev) proxies the API to a running `npm start` on :8080.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/admin/v1': { target: 'http://localhost:8080', changeOrigin: false } } },
});
