// `npm start`'s graceful SIGTERM: stop accepting, finish the request in flight, close the pool, exit 0.
// Runs a second production server on the e2e database (PostgreSQL only: PGlite allows one opener).
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';

const databaseUrl = inject('e2eDatabaseUrl');
const describeServer = databaseUrl ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describeServer('production server lifecycle', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('on SIGTERM finishes the in-flight request, refuses new connections and exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: databaseUrl as string,
        APP_URL: `http://127.0.0.1:${port}`,
        SESSION_SECRET: 'lifecycle-session-secret-lifecycle-000000',
        JWT_SECRET: 'lifecycle-jwt-secret-lifecycle-jwt-0000000',
        EMAIL_PAYLOAD_KEY: 'cd'.repeat(32),
        TOTP_ENCRYPTION_KEY: 'dc'.repeat(32),
        CRON_SECRET: 'lifecycle-cron-secret',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    for (
      let i = 0;
      i < 240 &&
      !(await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }

    // A request whose body has not fully arrived yet: the server is waiting on it when SIGTERM comes.
    const body = 'email=nobody%40example.com&password=wrong-password';
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let response = '';
    socket.on('data', (d) => (response += d));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));

    // New connections are refused while the old request is still open.
    const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => false,
      () => true,
    );
    expect(refused, output).toBe(true);

    socket.write(body.slice(10));
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 (200|302|400|401|429)/);
    expect(await exited, output).toBe(0);
    expect(output).toContain('[server] stopped');
  });
});
