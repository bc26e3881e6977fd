// Several production app processes on one PostgreSQL database, as behind a load balancer: each runs
// `node --import tsx server.ts` on the build made by global-setup, on its own port, with the same secrets.
// Bounded in time: a start that is not ready in `readyTimeoutMs` fails (with the process's output), and a
// stop sends SIGTERM, then SIGKILL after 10 s.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** The shared configuration every instance of a deployment gets (secrets must match across instances). */
export const SHARED_SECRETS = {
  SESSION_SECRET: 'multi-session-secret-multi-session-secret',
  JWT_SECRET: 'multi-jwt-secret-multi-jwt-secret-multi-00',
  EMAIL_PAYLOAD_KEY: 'ef'.repeat(32),
  TOTP_ENCRYPTION_KEY: 'fe'.repeat(32),
  CRON_SECRET: 'multi-instance-cron-secret',
} as const;

export interface Instance {
  readonly name: string;
  readonly url: string;
  /** Everything the process printed so far (for assertion messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code (null when killed). */
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function waitForReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app server exited with code ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`app server not ready after ${timeoutMs} ms`);
}

export async function startInstance(
  name: string,
  databaseUrl: string,
  options: { readyTimeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: {
      ...process.env,
      ...SHARED_SECRETS,
      NODE_ENV: 'production',
      PORT: String(port),
      APP_URL: url,
      DATABASE_URL: databaseUrl,
      // The database is a clone of the migrated template: two instances migrating at once is not the point.
      MIGRATE_ON_START: 'false',
      EMAIL_DELIVERY: 'cron',
      TRUST_PROXY_HOPS: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  try {
    await waitForReady(url, child, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`instance ${name}: ${(err as Error).message}\n${output}`);
  }
  return { name, url, output: () => output, stop };
}
