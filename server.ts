// Production server: Express serving the Remix build, with graceful SIGTERM (stop accepting new
// connections, finish in-flight requests, close the database pool).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express from 'express';
import { closeDb, getConnection } from './app/db.server';
import { ConfigError, env } from './app/env.server';
import { edgeMiddleware } from './app/lib/edge';
import { remixHandler } from './app/lib/remix-handler';
import { requestContextMiddleware } from './app/lib/request-context.server';
import { applyBaseSecurityHeaders } from './app/lib/security-headers.server';
import { HEALTH_HEADERS, liveness, readiness } from './app/platform/health.server';
import { bootstrapDatabase } from './db/bootstrap';

async function main() {
  const config = env();
  // Open (and for PGlite, migrate and seed) before listening, so /readyz is truthful from the first request.
  await bootstrapDatabase(await getConnection(), {
    migrate: config.MIGRATE_ON_START,
    demo: config.NODE_ENV === 'development' || config.SEED_DEMO,
  });

  const build = (await import(new URL('./build/server/index.js', import.meta.url).href)) as ServerBuild;
  const app = express();
  app.disable('x-powered-by');
  // Health checks first: a load balancer's probes skip compression, headers and Remix (issue 9).
  app.get('/readyz', async (_req, res) => {
    const probe = await readiness();
    res.status(probe.status).set(HEALTH_HEADERS).json(probe.body);
  });
  // One store per request: every loader of a navigation shares who is signed in (request-context).
  app.use(requestContextMiddleware);
  // Server-Sent Events (/rooms/:id/live) must reach the browser event by event: never through gzip.
  app.use(
    compression({
      filter: (req, res) =>
        !/^text\/event-stream\b/i.test(String(res.getHeader('Content-Type') ?? '')) &&
        compression.filter(req, res),
    }),
  );
  // Base security headers on every response (static files, resource routes, refusals) as defaults:
  // set when the headers are written and only where Remix's document/data handlers did not set them,
  // since the Remix adapter appends its own and a plain setHeader here would send each one twice.
  const baseHeaders = new Headers();
  applyBaseSecurityHeaders(baseHeaders);
  app.use((_req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      for (const [key, value] of baseHeaders) if (!this.hasHeader(key)) this.setHeader(key, value);
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  });
  // Forwarded headers, client address, CSRF, route manifest, URL and body checks (app/lib/edge.ts).
  app.use(edgeMiddleware(config));
  app.use('/assets', express.static('build/client/assets', { immutable: true, maxAge: '1y' }));
  app.use(express.static('build/client', { maxAge: '1h' }));
  // Remix, with escaped client errors as 4xx and no-store on personal answers (app/lib/remix-handler.ts).
  app.all('*', remixHandler({ build, mode: 'production', appUrl: config.APP_URL }));

  // Liveness is answered by node:http itself, before Express's router: a load balancer's probe costs
  // what a bare server's answer costs (issue 9: /healthz ÷ bare node:http).
  const live = JSON.stringify(liveness.body);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(liveness.status, { 'Content-Type': 'application/json', ...HEALTH_HEADERS });
      res.end(live);
      return;
    }
    app(req, res);
  });
  server.keepAliveTimeout = 5_000;
  server.listen(config.PORT, () => {
    const { port } = server.address() as AddressInfo;
    console.log(`[server] listening on http://localhost:${port}`);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: draining`);
    // close() stops accepting and waits for in-flight requests; idle keep-alive sockets are closed now.
    server.close(async () => {
      await closeDb();
      console.log('[server] stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      console.error('[server] drain timed out, exiting');
      process.exit(1);
    }, 25_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('[server] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
