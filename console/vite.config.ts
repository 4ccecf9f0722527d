import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by Cairn at /admin; during development Vite forwards the API to a Cairn on port 3000.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    target: 'es2022',
    // The bundle-budget script reads this to tell the initial JavaScript from the lazy chunks.
    manifest: true,
    // No inlined assets: the CSP allows images from the console's own origin and data: only for previews.
    assetsInlineLimit: 0,
    // CodeMirror is one lazy chunk of ~400 KB (130 KB gzipped), loaded only by a JSON editor; the budget
    // script watches what counts, the first load.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': { target: 'http://localhost:3000', ws: true } },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
