// Applies the hand-written SQL migrations in migrations/ (drizzle migrator format: meta/_journal.json
// plus one .sql file per entry, statements split on `--> statement-breakpoint`).
// Why not drizzle's own migrate(): it runs every pending file in one transaction, which makes an
// "ALTER TYPE ... ADD VALUE" file unusable by the next file, and its errors do not name the file.
// Here each file is its own transaction (a failure rolls that file back completely and names it),
// bookkeeping stays in drizzle.__drizzle_migrations so drizzle-kit tooling still understands it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from './client.server';

/**
 * The migrations folder: found by walking up from this module, because the same code runs from
 * db/migrate.ts (tsx, tests) and bundled into build/server/index.js (production), one level deeper.
 */
function findMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'migrations');
}

export const MIGRATIONS_DIR = findMigrationsDir();

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

export interface MigrationFile {
  tag: string;
  when: number;
  hash: string;
  statements: string[];
}

export class MigrationError extends Error {
  constructor(
    public readonly file: string,
    cause: unknown,
  ) {
    const detail =
      cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
    super(`Migration ${file} failed and was rolled back: ${detail}`, { cause });
    this.name = 'MigrationError';
  }
}

export function readMigrations(folder = MIGRATIONS_DIR): MigrationFile[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries.map((entry) => {
    const text = readFileSync(join(folder, `${entry.tag}.sql`), 'utf8');
    return {
      tag: entry.tag,
      when: entry.when,
      hash: createHash('sha256').update(text).digest('hex'),
      statements: text
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        // A chunk of only comments is nothing to run.
        .filter((s) => s.replace(/--[^\n]*/g, '').trim() !== ''),
    };
  });
}

/** A digest of the whole migration set: names the template database tests clone from. */
export function migrationsDigest(folder = MIGRATIONS_DIR): string {
  const h = createHash('sha256');
  for (const m of readMigrations(folder)) h.update(`${m.tag}:${m.hash}\n`);
  return h.digest('hex').slice(0, 12);
}

// Serializes concurrent migrators (several app instances starting at once). Transaction-scoped,
// so it can never leak through a connection pool.
const LOCK_KEY = 7_246_001;

export async function migrate(
  db: Database,
  options: { folder?: string; log?: (line: string) => void } = {},
): Promise<{ applied: string[] }> {
  const files = readMigrations(options.folder);
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    await tx.execute(sql`CREATE SCHEMA IF NOT EXISTS drizzle`);
    await tx.execute(
      sql`CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
    );
  });
  const applied: string[] = [];
  for (const file of files) {
    const done = await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
      const existing = rowsOf<{ hash: string }>(
        await tx.execute(sql`SELECT hash FROM drizzle.__drizzle_migrations WHERE created_at = ${file.when}`),
      );
      if (existing.length > 0) return false;
      try {
        for (const statement of file.statements) await tx.execute(sql.raw(statement));
      } catch (err) {
        throw new MigrationError(`${file.tag}.sql`, err);
      }
      await tx.execute(
        sql`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${file.hash}, ${file.when})`,
      );
      return true;
    });
    if (done) {
      applied.push(file.tag);
      options.log?.(`applied ${file.tag}.sql`);
    }
  }
  return { applied };
}

/** True when every migration file has been applied (used by GET /readyz). */
export async function isMigrated(db: Database, folder?: string): Promise<boolean> {
  const files = readMigrations(folder);
  try {
    const rows = rowsOf<{ n: number | string }>(
      await db.execute(sql`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`),
    );
    return Number(rows[0]?.n ?? 0) >= files.length;
  } catch {
    return false;
  }
}
