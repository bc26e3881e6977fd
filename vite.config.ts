import { vitePlugin as remix } from '@remix-run/dev';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';
import tsconfigPaths from 'vite-tsconfig-paths';
import { clientAddressMiddleware } from './app/lib/client-address';
import { csrfMiddleware } from './app/lib/csrf-middleware';

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  server: { port: 3000 },
  // Pre-bundle the browser dependencies that only some routes import: discovered lazily, they make Vite
  // re-optimize mid-session and the first visit to a form page stays unhydrated (504 Outdated Optimize Dep).
  optimizeDeps: { include: ['zod', '@conform-to/react', '@conform-to/zod'] },
  plugins: [
    {
      // The same client-address and CSRF checks as the production server, in front of Remix's dev middleware.
      name: 'edge-checks',
      configureServer(server) {
        server.middlewares.use(clientAddressMiddleware());
        server.middlewares.use(csrfMiddleware);
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
      },
    }),
    tsconfigPaths(),
  ],
});
