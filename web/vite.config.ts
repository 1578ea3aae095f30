/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `pnpm dev` proxies the api (REST and Socket.IO) to a running `retroboard up`,
// so the dashboard talks to its own origin in development as in production.
const api = process.env.RETROBOARD_API_URL ?? 'http://127.0.0.1:5000'

export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      '/api': api,
      '/socket.io': { target: api, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in the served bundle; the Pi serves it from an SD card.
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
