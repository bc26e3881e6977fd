// The migrator: idempotent, one transaction per file, failures name the file and leave nothing behind.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { connectPglite, rowsOf } from '../../db/client.server';
import { isMigrated, MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from '../../db/migrate';
import { useTestDatabase } from '../support/db';

describe('migrations', () => {
  const t = useTestDatabase();

  it('every file splits into statements and the journal names every file', () => {
    const files = readMigrations();
    expect(files.map((f) => f.tag)).toEqual(
      JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')).entries.map(
        (e: { tag: string }) => e.tag,
      ),
    );
    for (const f of files) expect(f.statements.length, f.tag).toBeGreaterThan(0);
  });

  it('a migrated database reports itself migrated, and migrating again applies nothing', async () => {
    expect(await isMigrated(t.db)).toBe(true);
    expect((await migrate(t.db)).applied).toEqual([]);
  });

  it('a failing migration rolls back completely and names the file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS_DIR, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    journal.entries.push({
      idx: 999,
      version: '7',
      when: 9_999_999_999_999,
      tag: '9999_broken',
      breakpoints: true,
    });
    writeFileSync(journalPath, JSON.stringify(journal));
    writeFileSync(
      join(folder, '9999_broken.sql'),
      'CREATE TABLE half_done (id int);\n--> statement-breakpoint\nSELECT * FROM no_such_table;',
    );

    const conn = await connectPglite();
    try {
      const error = await migrate(conn.db, { folder }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toContain('9999_broken.sql');
      expect((error as Error).message).toContain('no_such_table');
      const tables = rowsOf<{ n: number }>(
        await conn.db.execute(sql`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half_done'`),
      );
      expect(tables[0]?.n).toBe(0);
      // Everything before the broken file is applied and recorded.
      expect(await isMigrated(conn.db)).toBe(true);
      expect(await isMigrated(conn.db, folder)).toBe(false);
    } finally {
      await conn.close();
    }
  });
});
