// The whole request path in-process, fast: the Express layer of server.ts (edgeMiddleware + the Remix
// handler) in front of a Remix build assembled from the source route modules (the same route ids and
// paths the Vite plugin computes, via Remix's own flatRoutes). No `vite build`, no child process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { flatRoutes } from '@remix-run/dev/dist/config/flat-routes';
import type { ServerBuild } from '@remix-run/node';
import express from 'express';
import * as entryServer from '~/entry.server';
import { edgeMiddleware } from '~/lib/edge';
import { remixHandler } from '~/lib/remix-handler';
import * as root from '~/root';

const appDirectory = fileURLToPath(new URL('../../app', import.meta.url));
const routeModules = import.meta.glob<Record<string, unknown>>([
  '../../app/routes/*.{ts,tsx}',
  '../../app/routes/*/route.{ts,tsx}',
  '!../../app/routes/*.test.*',
]);

export interface RouteFile {
  id: string;
  /** Relative to app/, e.g. routes/login.tsx. */
  file: string;
  /** The URL pattern, e.g. /o/:slug/members. */
  pattern: string;
  module: Record<string, unknown>;
}

/** Every route of app/routes with its full URL pattern and module. */
export async function loadRoutes(): Promise<RouteFile[]> {
  const manifest = flatRoutes(appDirectory, ['**/*.test.*']);
  const pattern = (id: string): string => {
    const route = manifest[id];
    if (!route) return '';
    const parent = route.parentId && route.parentId !== 'root' ? pattern(route.parentId) : '';
    return route.path ? `${parent}/${route.path}` : parent || '/';
  };
  return Promise.all(
    Object.values(manifest).map(async (route) => {
      const load = routeModules[`../../app/${route.file}`];
      if (!load) throw new Error(`no module for ${route.file}`);
      return { id: route.id, file: route.file, pattern: pattern(route.id) || '/', module: await load() };
    }),
  );
}

export async function assembleBuild(): Promise<ServerBuild> {
  const manifest = flatRoutes(appDirectory, ['**/*.test.*']);
  const modules = new Map((await loadRoutes()).map((r) => [r.id, r.module]));
  const all = [
    {
      id: 'root',
      parentId: undefined,
      path: '',
      index: undefined,
      caseSensitive: undefined,
      module: root as unknown as Record<string, unknown>,
    },
    ...Object.values(manifest).map((r) => ({
      id: r.id,
      parentId: r.parentId,
      path: r.path,
      index: r.index,
      caseSensitive: r.caseSensitive,
      module: modules.get(r.id) as Record<string, unknown>,
    })),
  ];
  const assetRoutes = Object.fromEntries(
    all.map((r) => [
      r.id,
      {
        id: r.id,
        parentId: r.parentId,
        path: r.path,
        index: r.index,
        caseSensitive: r.caseSensitive,
        hasAction: typeof r.module.action === 'function',
        hasLoader: typeof r.module.loader === 'function',
        hasClientAction: false,
        hasClientLoader: false,
        hasErrorBoundary: typeof r.module.ErrorBoundary === 'function',
        module: `/assets/${r.id}.js`,
        imports: [],
        css: [],
      },
    ]),
  );
  return {
    mode: 'production',
    entry: { module: entryServer },
    routes: Object.fromEntries(all.map((r) => [r.id, r])),
    assets: {
      entry: { module: '/assets/entry.client.js', imports: [] },
      routes: assetRoutes,
      url: '/assets/manifest-test.js',
      version: 'test',
    },
    assetsBuildDirectory: 'build/client',
    basename: '/',
    future: {
      v3_fetcherPersist: true,
      v3_relativeSplatPath: true,
      v3_throwAbortReason: true,
      v3_singleFetch: true,
      v3_lazyRouteDiscovery: true,
    },
    isSpaMode: false,
    publicPath: '/',
  } as unknown as ServerBuild;
}

/** Starts the Express layer + Remix on an ephemeral port; returns its base URL and a stop function. */
export async function startAppServer(): Promise<{ base: string; stop: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(edgeMiddleware({ TRUST_PROXY_HOPS: 0 }));
  app.all('*', remixHandler({ build: await assembleBuild(), mode: 'production' }));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
