// Column helpers shared by every domain file so the conventions of SPEC §3 live in one place.
import { sql } from 'drizzle-orm';
import { text, timestamp } from 'drizzle-orm/pg-core';

/** timestamptz(3), read as a JS Date. */
export const ts = (name: string) => timestamp(name, { precision: 3, withTimezone: true, mode: 'date' });

/** Text primary key defaulting to the SQL gen_id() of migration 0000. */
export const id = () => text('id').primaryKey().default(sql`gen_id()`);

export const createdAt = () => ts('created_at').notNull().defaultNow();

/** Kept by the set_updated_at() trigger; the default only covers INSERT. */
export const updatedAt = () => ts('updated_at').notNull().defaultNow();

export const timestamps = () => ({ createdAt: createdAt(), updatedAt: updatedAt() });
