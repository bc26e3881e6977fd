// The schema suite runs on both databases the app supports (SPEC §3): PostgreSQL 15 and PGlite.
import { describe, inject } from 'vitest';
import type { Driver } from '../support/db';

export const DRIVERS: Driver[] = ['postgres', 'pglite'];

/** describe() once per driver; the PostgreSQL variant is skipped with a notice when it is unreachable. */
export function describeEachDriver(name: string, fn: (driver: Driver) => void) {
  for (const driver of DRIVERS) {
    if (driver === 'postgres' && inject('pgTemplate') === null) {
      describe.skip(`${name} [postgres] (PostgreSQL not reachable)`, () => fn(driver));
    } else {
      describe(`${name} [${driver}]`, () => fn(driver));
    }
  }
}
