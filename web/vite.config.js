// Builds the dashboard into dist/web (served by `flowthings-emulator -web dist/web`).
//   npx vite build web     (npm run web:build)     npx vite web     (a dev server)
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022', // top-level await
    reportCompressedSize: false,
  },
});
