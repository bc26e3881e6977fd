// The whole schema, one module per domain (SPEC §4). The SQL in migrations/ is the source of truth;
// these definitions mirror it and tests/db/schema-diff.test.ts proves they match.

export * from './api';
export * from './billing';
export * from './enums';
export * from './events';
export * from './identity';
export * from './passkeys';
export * from './platform';
export * from './relations';
export * from './store';
export * from './store-fulfilment';
export * from './tenancy';
