// Reads the live schema from pg_catalog (works the same on PostgreSQL 15 and PGlite).
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../../db/client.server';

const ACTIONS: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

export interface ForeignKey {
  name: string;
  child: string; // table.column
  parent: string; // table.column
  onDelete: string;
  notNull: boolean;
}

export async function foreignKeys(db: Database): Promise<ForeignKey[]> {
  const rows = rowsOf<{
    name: string;
    child_table: string;
    child_column: string;
    parent_table: string;
    parent_column: string;
    confdeltype: string;
    attnotnull: boolean;
    ncols: number;
  }>(
    await db.execute(sql`
      SELECT c.conname AS name,
             cl.relname AS child_table, a.attname AS child_column,
             pcl.relname AS parent_table, pa.attname AS parent_column,
             c.confdeltype::text AS confdeltype, a.attnotnull, array_length(c.conkey, 1) AS ncols
      FROM pg_constraint c
      JOIN pg_class cl ON cl.oid = c.conrelid
      JOIN pg_namespace ns ON ns.oid = cl.relnamespace AND ns.nspname = 'public'
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      JOIN pg_class pcl ON pcl.oid = c.confrelid
      JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
      WHERE c.contype = 'f'
      ORDER BY 2, 3`),
  );
  return rows.map((r) => {
    if (Number(r.ncols) !== 1)
      throw new Error(`${r.name}: multi-column foreign key (SPEC §5 allows single-column only)`);
    return {
      name: r.name,
      child: `${r.child_table}.${r.child_column}`,
      parent: `${r.parent_table}.${r.parent_column}`,
      onDelete: ACTIONS[r.confdeltype] ?? r.confdeltype,
      notNull: r.attnotnull,
    };
  });
}

/** Index definitions and unique/primary constraints, as lists of leading columns per table. */
export async function leadingIndexedColumns(db: Database): Promise<Set<string>> {
  const rows = rowsOf<{ table_name: string; column_name: string }>(
    await db.execute(sql`
      SELECT t.relname AS table_name, a.attname AS column_name
      FROM pg_index i
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]`),
  );
  return new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
}

export interface ColumnInfo {
  table: string;
  column: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
}

export async function columns(db: Database): Promise<ColumnInfo[]> {
  const rows = rowsOf<{
    table_name: string;
    column_name: string;
    type: string;
    attnotnull: boolean;
    atthasdef: boolean;
    attgenerated: string;
  }>(
    await db.execute(sql`
      SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull, a.atthasdef, a.attgenerated::text AS attgenerated
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
      JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = 'public'
      WHERE a.attnum > 0 AND NOT a.attisdropped
      ORDER BY 1, a.attnum`),
  );
  return rows.map((r) => ({
    table: r.table_name,
    column: r.column_name,
    type: r.type,
    notNull: r.attnotnull,
    hasDefault: r.atthasdef,
    generated: r.attgenerated === 's',
  }));
}

export async function triggers(db: Database): Promise<Array<{ table: string; name: string }>> {
  const rows = rowsOf<{ table_name: string; tgname: string }>(
    await db.execute(sql`
      SELECT c.relname AS table_name, t.tgname
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = 'public'
      WHERE NOT t.tgisinternal`),
  );
  return rows.map((r) => ({ table: r.table_name, name: r.tgname }));
}
