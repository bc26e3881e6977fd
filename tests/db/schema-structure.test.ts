// Proves the Drizzle definitions mirror the hand-written SQL, and the SQL follows SPEC §3 and §5.
import { is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { expect, it } from 'vitest';
import { rowsOf } from '../../db/client.server';
import * as schema from '../../db/schema';
import { useTestDatabase } from '../support/db';
import { describeEachDriver } from './drivers';
import { columns, foreignKeys, leadingIndexedColumns, triggers } from './introspect';
import { pendingSchemaChanges } from './push-schema';
import { REFERENTIAL_RULES } from './referential-rules';

const tables = (Object.values(schema) as unknown[]).filter((v) => is(v, PgTable)) as PgTable[];
const configs = tables.map((t) => getTableConfig(t));

// Tables SPEC §4 says have no id / no updated_at.
// Keyed by what they hold: buckets, counters per year, and the one stored PDF per invoice (immutable).
const NO_ID = new Set(['rate_limits', 'invoice_counters', 'invoice_documents']);

const normalizeType = (t: string) =>
  t.replace(/\s+\(/g, '(').replace(/,\s+/g, ',').replace(/"/g, '').toLowerCase();

describeEachDriver('schema', (driver) => {
  const t = useTestDatabase(driver);

  it('every foreign key has exactly the ON DELETE action of SPEC §5 (else the Prisma default)', async () => {
    const fks = await foreignKeys(t.db);
    const expected = new Map(REFERENTIAL_RULES.map(([child, parent, action]) => [child, { parent, action }]));
    const problems: string[] = [];
    for (const fk of fks) {
      const rule = expected.get(fk.child);
      // SPEC §5: no row → required relation RESTRICT, optional relation SET NULL.
      const want = rule?.action ?? (fk.notNull ? 'restrict' : 'set null');
      if (rule && rule.parent !== fk.parent)
        problems.push(`${fk.child} references ${fk.parent}, SPEC says ${rule.parent}`);
      if (fk.onDelete !== want)
        problems.push(`${fk.child} → ${fk.parent}: ON DELETE ${fk.onDelete}, expected ${want}`);
      expected.delete(fk.child);
    }
    for (const [child, rule] of expected) problems.push(`missing foreign key ${child} → ${rule.parent}`);
    expect(problems).toEqual([]);
  });

  it("every Drizzle foreign key's onDelete equals the database's", async () => {
    const db = new Map((await foreignKeys(t.db)).map((fk) => [fk.child, fk]));
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const config of configs) {
      for (const fk of config.foreignKeys) {
        const ref = fk.reference();
        const child = `${config.name}.${ref.columns[0]?.name}`;
        const parent = `${getTableConfig(ref.foreignTable).name}.${ref.foreignColumns[0]?.name}`;
        seen.add(child);
        const live = db.get(child);
        if (!live) {
          problems.push(`Drizzle declares ${child} → ${parent}, the database has no such key`);
          continue;
        }
        if (live.parent !== parent) problems.push(`${child}: Drizzle → ${parent}, database → ${live.parent}`);
        if ((fk.onDelete ?? 'no action') !== live.onDelete)
          problems.push(`${child}: Drizzle onDelete ${fk.onDelete}, database ${live.onDelete}`);
        if (fk.getName() !== live.name)
          problems.push(`${child}: Drizzle name ${fk.getName()}, database ${live.name}`);
      }
    }
    for (const child of db.keys())
      if (!seen.has(child)) problems.push(`database key ${child} is missing in Drizzle`);
    expect(problems).toEqual([]);
  });

  it('every foreign-key column leads an index', async () => {
    const indexed = await leadingIndexedColumns(t.db);
    const unindexed = (await foreignKeys(t.db)).map((fk) => fk.child).filter((c) => !indexed.has(c));
    expect(unindexed).toEqual([]);
  });

  it('Drizzle columns mirror the database columns', async () => {
    const live = await columns(t.db);
    const liveByKey = new Map(live.map((c) => [`${c.table}.${c.column}`, c]));
    const problems: string[] = [];
    const declared = new Set<string>();
    for (const config of configs) {
      for (const col of config.columns) {
        const key = `${config.name}.${col.name}`;
        declared.add(key);
        const c = liveByKey.get(key);
        if (!c) {
          problems.push(`${key} is declared in Drizzle but missing in the database`);
          continue;
        }
        if (normalizeType(col.getSQLType()) !== normalizeType(c.type))
          problems.push(`${key}: Drizzle type ${col.getSQLType()}, database ${c.type}`);
        if (col.notNull !== c.notNull)
          problems.push(`${key}: Drizzle notNull ${col.notNull}, database ${c.notNull}`);
        const drizzleHasDefault = col.hasDefault || col.generated !== undefined;
        if (drizzleHasDefault !== (c.hasDefault || c.generated))
          problems.push(
            `${key}: Drizzle default ${drizzleHasDefault}, database ${c.hasDefault || c.generated}`,
          );
      }
    }
    const drizzleTables = new Set(configs.map((c) => c.name));
    for (const c of live) {
      const key = `${c.table}.${c.column}`;
      if (!declared.has(key)) problems.push(`${key} exists in the database but not in Drizzle`);
    }
    const liveTables = new Set(live.map((c) => c.table));
    for (const name of liveTables)
      if (!drizzleTables.has(name)) problems.push(`table ${name} has no Drizzle definition`);
    expect(problems).toEqual([]);
  });

  it('drizzle-kit finds nothing to change between the Drizzle schema and the migrated database', async () => {
    const statements = await pendingSchemaChanges(t.db, schema as Record<string, unknown>);
    // drizzle-kit re-creates multi-column unique constraints whose columns it cannot order from the
    // catalog; such a pair is spurious only if the live constraint already has exactly those columns.
    const live = rowsOf<{ conname: string; cols: string }>(
      await t.db.execute(sql`
        SELECT c.conname, string_agg(a.attname, ',' ORDER BY k.ord) AS cols
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.contype = 'u'
        GROUP BY c.conname`),
    );
    const liveUnique = new Map(live.map((r) => [r.conname, r.cols]));
    const added = new Map<string, string>();
    for (const s of statements) {
      const m = /ADD CONSTRAINT "([^"]+)" UNIQUE(?: NULLS NOT DISTINCT)?\(([^)]*)\)/.exec(s);
      if (m?.[1] && m[2] !== undefined) added.set(m[1], m[2].replace(/"/g, ''));
    }
    const spurious = (name: string) => added.has(name) && liveUnique.get(name) === added.get(name);
    const remaining = statements.filter((s) => {
      const name = /CONSTRAINT "([^"]+)"/.exec(s)?.[1];
      return !(name && spurious(name));
    });
    expect(remaining).toEqual([]);
  });

  it('every id defaults to gen_id() and every updated_at is kept by the trigger', async () => {
    const defaults = rowsOf<{ table_name: string; def: string }>(
      await t.db.execute(sql`
        SELECT c.relname AS table_name, pg_get_expr(d.adbin, d.adrelid) AS def
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
        JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = 'public'
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attname = 'id'`),
    );
    const badIds = defaults
      .filter((r) => r.table_name !== 'sessions' && r.def !== 'gen_id()')
      .map((r) => r.table_name);
    expect(badIds, 'tables whose id does not default to gen_id()').toEqual([]);

    const live = await columns(t.db);
    const allTables = new Set(live.map((c) => c.table));
    const withoutId = [...allTables].filter(
      (name) => !live.some((c) => c.table === name && c.column === 'id'),
    );
    expect(withoutId.sort()).toEqual([...NO_ID].sort());

    const withUpdatedAt = live.filter((c) => c.column === 'updated_at').map((c) => c.table);
    const trig = new Set((await triggers(t.db)).map((tr) => `${tr.table}.${tr.name}`));
    const missing = withUpdatedAt.filter((table) => !trig.has(`${table}.${table}_set_updated_at`));
    expect(missing).toEqual([]);
  });

  it('timestamps are timestamptz(3)', async () => {
    const wrong = (await columns(t.db)).filter(
      (c) => c.type.startsWith('timestamp') && c.type !== 'timestamp(3) with time zone',
    );
    expect(wrong.map((c) => `${c.table}.${c.column}: ${c.type}`)).toEqual([]);
  });

  it('gen_id() returns 25-character lowercase ids', async () => {
    const rows = rowsOf<{ id: string }>(
      await t.db.execute(sql`SELECT gen_id() AS id FROM generate_series(1, 5)`),
    );
    for (const { id } of rows) expect(id).toMatch(/^c[0-9a-f]{24}$/);
    expect(new Set(rows.map((r) => r.id)).size).toBe(5);
  });
});
