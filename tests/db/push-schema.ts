// drizzle-kit's pushSchema as a check: the statements it would run to make the database match the
// Drizzle definitions. An empty list means Drizzle mirrors the hand-written SQL.
import { pushSchema } from 'drizzle-kit/api';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { type Database, rowsOf } from '../../db/client.server';

const dialect = new PgDialect();

// drizzle-kit 0.31 (issue #5557) drops the parameters of its composite-primary-key query ($1, $2), so
// that one query is answered here. It names no table, which is only unambiguous while one table has a
// composite primary key (rate_limits); the guard makes a second one fail loudly instead of silently.
const COMPOSITE_PK_QUERY = /connamespace = \$1::regnamespace/;

async function compositePrimaryKeys(db: Database) {
  const rows = rowsOf<{ primary_key: string }>(
    await db.execute(sql`
      SELECT c.conname AS primary_key
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE c.contype = 'p' AND array_length(c.conkey, 1) > 1 AND t.relnamespace = 'public'::regnamespace`),
  );
  if (rows.length !== 1)
    throw new Error(`push-schema shim expects one composite primary key, found ${rows.length}`);
  return rows;
}

export async function pendingSchemaChanges(db: Database, schema: Record<string, unknown>): Promise<string[]> {
  // drizzle-kit reads `result.rows`; postgres.js returns the rows array itself.
  const shim = {
    execute: async (query: SQL) => {
      if (COMPOSITE_PK_QUERY.test(dialect.sqlToQuery(query).sql))
        return { rows: await compositePrimaryKeys(db) };
      return { rows: rowsOf(await db.execute(query)) };
    },
  };
  const result = await pushSchema(schema, shim as never);
  return result.statementsToExecute;
}
