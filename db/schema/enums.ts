// Every Postgres enum type of the schema (SPEC §3: one type per meaning, upper-case values, CANCELED).
// Value lists are exported as tuples so zod schemas and UI selects reuse them without importing tables.
import { pgEnum } from 'drizzle-orm/pg-core';

// Identity
export const USER_ROLES = ['ADMIN', 'SUPPORT', 'CUSTOMER'] as const;
export const userRole = pgEnum('user_role', USER_ROLES);
export const USER_STATUSES = ['ACTIVE', 'INACTIVE', 'SUSPENDED'] as const;
export const userStatus = pgEnum('user_status', USER_STATUSES);
export const VERIFICATION_PURPOSES = ['EMAIL_VERIFICATION', 'PASSWORD_RESET'] as const;
export const verificationPurpose = pgEnum('verification_purpose', VERIFICATION_PURPOSES);

// Tenancy
export const MEMBER_ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'BILLING'] as const;
export const memberRole = pgEnum('member_role', MEMBER_ROLES);
export const INVITATION_STATUSES = ['PENDING', 'ACCEPTED', 'DECLINED', 'CANCELED', 'EXPIRED'] as const;
export const invitationStatus = pgEnum('invitation_status', INVITATION_STATUSES);
