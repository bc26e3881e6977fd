// drizzle-kit is used only to *compare* (tests/db/schema-diff) and to browse (`drizzle-kit studio`).
// Migrations are hand-written SQL in migrations/: never run `drizzle-kit generate` or `push`
// (push would drop every trigger the SQL defines). See docs/decisions/0002-hand-written-sql-migrations.md.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
});
