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

// Billing
export const PLAN_TIERS = ['FREE', 'PRO', 'ENTERPRISE', 'CUSTOM'] as const;
export const planTier = pgEnum('plan_tier', PLAN_TIERS);
export const BILLING_INTERVALS = ['MONTHLY', 'YEARLY', 'LIFETIME'] as const;
export const billingInterval = pgEnum('billing_interval', BILLING_INTERVALS);
export const SUBSCRIPTION_STATUSES = [
  'TRIALING',
  'ACTIVE',
  'PAST_DUE',
  'CANCELED',
  'EXPIRED',
  'INCOMPLETE',
  'INCOMPLETE_EXPIRED',
  'UNPAID',
  'PAUSED',
] as const;
export const subscriptionStatus = pgEnum('subscription_status', SUBSCRIPTION_STATUSES);
export const BILLING_ACCOUNT_STATUSES = ['ACTIVE', 'OVERDUE', 'SUSPENDED'] as const;
export const billingAccountStatus = pgEnum('billing_account_status', BILLING_ACCOUNT_STATUSES);
export const INVOICE_STATUSES = [
  'DRAFT',
  'OPEN',
  'PAID',
  'PARTIAL',
  'OVERDUE',
  'VOID',
  'UNCOLLECTIBLE',
] as const;
export const invoiceStatus = pgEnum('invoice_status', INVOICE_STATUSES);
// Seed 002's PaymentMethod plus STRIPE_CARD; CREDIT = applied from the credit balance.
export const PAYMENT_METHODS = [
  'PAYNOW_ECOCASH',
  'PAYNOW_ONEMONEY',
  'PAYNOW_INNBUCKS',
  'PAYNOW_VISA',
  'PAYNOW_MASTERCARD',
  'BANK_TRANSFER',
  'CASH',
  'CREDIT',
  'STRIPE_CARD',
] as const;
export const paymentMethod = pgEnum('payment_method', PAYMENT_METHODS);
export const PAYMENT_STATUSES = ['PENDING', 'PAID', 'FAILED', 'CANCELED', 'REFUNDED'] as const;
export const paymentStatus = pgEnum('payment_status', PAYMENT_STATUSES);
export const SERVICE_TYPES = ['POS_TERMINAL', 'POS_MAINTENANCE', 'FUTURE_PRODUCT'] as const;
export const serviceType = pgEnum('service_type', SERVICE_TYPES);
export const SERVICE_STATUSES = ['ACTIVE', 'SUSPENDED', 'CANCELED'] as const;
export const serviceStatus = pgEnum('service_status', SERVICE_STATUSES);

// API and usage, support, audit, email, cron (platform)
export const TICKET_STATUSES = ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CLIENT', 'RESOLVED', 'CLOSED'] as const;
export const ticketStatus = pgEnum('ticket_status', TICKET_STATUSES);
export const TICKET_PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export const ticketPriority = pgEnum('ticket_priority', TICKET_PRIORITIES);
export const AUDIT_ACTOR_TYPES = ['USER', 'API_KEY', 'SYSTEM'] as const;
export const auditActorType = pgEnum('audit_actor_type', AUDIT_ACTOR_TYPES);
export const EMAIL_STATUSES = ['QUEUED', 'SENDING', 'SENT', 'FAILED'] as const;
export const emailStatus = pgEnum('email_status', EMAIL_STATUSES);
export const CRON_RUN_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED'] as const;
export const cronRunStatus = pgEnum('cron_run_status', CRON_RUN_STATUSES);

// Events
export const ROOM_STATUSES = ['DRAFT', 'ACTIVE', 'COMPLETED', 'CANCELED'] as const;
export const roomStatus = pgEnum('room_status', ROOM_STATUSES);
export const PARTICIPANT_ROLES = ['ADMIN', 'ORGANIZER', 'MODERATOR', 'PARTICIPANT', 'VIEWER'] as const;
export const participantRole = pgEnum('participant_role', PARTICIPANT_ROLES);

// Store
export const PRODUCT_STATUSES = ['DRAFT', 'PUBLISHED', 'ARCHIVED'] as const;
export const productStatus = pgEnum('product_status', PRODUCT_STATUSES);
export const PRODUCT_TYPES = ['ONE_TIME', 'SUBSCRIPTION', 'DIGITAL_DOWNLOAD', 'SERVICE'] as const;
export const productType = pgEnum('product_type', PRODUCT_TYPES);
export const PRICE_TYPES = ['ONE_TIME', 'RECURRING'] as const;
export const priceType = pgEnum('price_type', PRICE_TYPES);
export const ORDER_STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'CANCELED', 'REFUNDED'] as const;
export const orderStatus = pgEnum('order_status', ORDER_STATUSES);
export const ORDER_PAYMENT_STATUSES = [
  'PENDING',
  'PROCESSING',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'REFUNDED',
] as const;
export const orderPaymentStatus = pgEnum('order_payment_status', ORDER_PAYMENT_STATUSES);
export const PAYMENT_METHOD_TYPES = [
  'CARD',
  'BANK_ACCOUNT',
  'SEPA_DEBIT',
  'LINK',
  'PAYPAL',
  'OTHER',
] as const;
export const paymentMethodType = pgEnum('payment_method_type', PAYMENT_METHOD_TYPES);
export const REFUND_REASONS = [
  'REQUESTED_BY_CUSTOMER',
  'DUPLICATE',
  'FRAUDULENT',
  'SUBSCRIPTION_CANCELED',
  'OTHER',
] as const;
export const refundReason = pgEnum('refund_reason', REFUND_REASONS);
export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELED'] as const;
export const refundStatus = pgEnum('refund_status', REFUND_STATUSES);
