import { vitePlugin as remix } from '@remix-run/dev';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';
import tsconfigPaths from 'vite-tsconfig-paths';
import { devEdgeMiddleware } from './app/lib/edge';

// Native (N-API) modules: never pre-bundled for the browser nor bundled into SSR. Vite's dependency scan
// follows route files into their .server imports; @node-rs/argon2's `browser` entry then re-exports a
// WASI package that is not installed, and every re-optimization printed `Could not resolve
// "@node-rs/argon2-wasm32-wasi"` (issue 8 §9). Node loads them itself.
const NATIVE_MODULES = ['@node-rs/argon2', '@node-rs/argon2-wasm32-wasi'];

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  server: { port: 3000 },
  // Pre-bundle the browser dependencies that only some routes import: discovered lazily, they make Vite
  // re-optimize mid-session and the first visit to a form page stays unhydrated (504 Outdated Optimize Dep).
  optimizeDeps: { include: ['zod', '@conform-to/react', '@conform-to/zod'], exclude: NATIVE_MODULES },
  ssr: { external: NATIVE_MODULES, optimizeDeps: { exclude: NATIVE_MODULES } },
  plugins: [
    {
      // The production server's edge checks (app/lib/edge.ts) in front of Remix's dev middleware, except
      // the body guard: Remix's dev handler reads the request stream itself.
      name: 'edge-checks',
      configureServer(server) {
        for (const middleware of devEdgeMiddleware()) server.middlewares.use(middleware);
      },
    },
    tailwindcss(),
    remix({
      ignoredRouteFiles: ['**/*.test.*'],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
        // Scan every route module for dependencies at start. Without it Vite discovered them on the first
        // visit of a cold clone, re-optimized, and reloaded the page mid-hydration ("Invalid hook call",
        // forms that never hydrated). The scan also bundles the server-only imports it meets; dev only.
        unstable_optimizeDeps: true,
      },
    }),
    tsconfigPaths(),
  ],
});
