// Billing tables (SPEC §4 "Billing"); mirrors migrations/0003_billing.sql.
// The invoice immutability and same-tenant rules are triggers in the SQL only (SPEC §5, §6).
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { id, timestamps, ts } from './columns';
import {
  billingAccountStatus,
  billingInterval,
  invoiceStatus,
  paymentMethod,
  paymentStatus,
  planTier,
  serviceStatus,
  serviceType,
  subscriptionStatus,
} from './enums';
import { users } from './identity';
import { organizations } from './tenancy';

export const plans = pgTable(
  'plans',
  {
    id: id(),
    // free / monthly / yearly from seed 000; staff may add custom plans.
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    tier: planTier('tier').notNull(),
    billingInterval: billingInterval('billing_interval').notNull().default('MONTHLY'),
    price: integer('price').notNull().default(0),
    currency: text('currency').notNull().default('USD'),
    // { modules, members, storage_gb, api_calls_per_month }
    limits: jsonb('limits').notNull(),
    features: jsonb('features').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    stripePriceId: text('stripe_price_id'),
    displayOrder: integer('display_order').notNull().default(0),
    // Days of trial Stripe Checkout grants (migration 0011); one trial per organization ever.
    trialDays: integer('trial_days').notNull().default(0),
    isActive: boolean('is_active').notNull().default(true),
    deletedAt: ts('deleted_at'),
    ...timestamps(),
  },
  (t) => [
    check('plans_price_check', sql`${t.price} >= 0`),
    check('plans_trial_days_check', sql`${t.trialDays} >= 0 AND ${t.trialDays} <= 730`),
    uniqueIndex('plans_key_key').on(t.key).where(sql`deleted_at IS NULL`),
    uniqueIndex('plans_stripe_price_id_key').on(t.stripePriceId).where(sql`deleted_at IS NULL`),
  ],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    planId: text('plan_id')
      .notNull()
      .references(() => plans.id, { onDelete: 'restrict' }),
    status: subscriptionStatus('status').notNull(),
    currentPeriodStart: ts('current_period_start').notNull().defaultNow(),
    // NULL for the free plan.
    currentPeriodEnd: ts('current_period_end'),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    canceledAt: ts('canceled_at'),
    trialStart: ts('trial_start'),
    trialEnd: ts('trial_end'),
    trialReminderSentAt: ts('trial_reminder_sent_at'),
    stripeCustomerId: text('stripe_customer_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    stripeEventCreatedAt: ts('stripe_event_created_at'),
    quantity: integer('quantity').notNull().default(1),
    currentPeriodUsage: jsonb('current_period_usage')
      .$type<Record<string, number>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    metadata: jsonb('metadata'),
    ...timestamps(),
  },
  (t) => [
    unique('subscriptions_organization_id_key').on(t.organizationId),
    unique('subscriptions_stripe_customer_id_key').on(t.stripeCustomerId),
    unique('subscriptions_stripe_subscription_id_key').on(t.stripeSubscriptionId),
    check('subscriptions_quantity_check', sql`${t.quantity} > 0`),
    index('subscriptions_plan_id_idx').on(t.planId),
    index('subscriptions_status_current_period_end_idx').on(t.status, t.currentPeriodEnd),
  ],
);

export const organizationModules = pgTable(
  'organization_modules',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    moduleKey: text('module_key').notNull(),
    isEnabled: boolean('is_enabled').notNull().default(true),
    settings: jsonb('settings'),
    enabledAt: ts('enabled_at').notNull().defaultNow(),
    // User ids without a foreign key (SPEC §5).
    enabledBy: text('enabled_by'),
    disabledAt: ts('disabled_at'),
    disabledBy: text('disabled_by'),
    ...timestamps(),
  },
  (t) => [unique('organization_modules_organization_module_key').on(t.organizationId, t.moduleKey)],
);

export const billingAccounts = pgTable(
  'billing_accounts',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    status: billingAccountStatus('status').notNull().default('ACTIVE'),
    gracePeriodDays: integer('grace_period_days').notNull().default(14),
    overdueSince: ts('overdue_since'),
    // Cents; positive = credit, negative = owed.
    balance: integer('balance').notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    unique('billing_accounts_organization_id_key').on(t.organizationId),
    check('billing_accounts_grace_period_days_check', sql`${t.gracePeriodDays} >= 0`),
    index('billing_accounts_status_idx').on(t.status),
  ],
);

export const services = pgTable(
  'services',
  {
    id: id(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    type: serviceType('type').notNull(),
    name: text('name').notNull(),
    hardwareSerial: text('hardware_serial'),
    monthlyFee: integer('monthly_fee').notNull(),
    status: serviceStatus('status').notNull().default('ACTIVE'),
    // Set on the services a billing suspension stopped, so a payment restores exactly those.
    suspendedByBilling: boolean('suspended_by_billing').notNull().default(false),
    activatedAt: ts('activated_at').notNull().defaultNow(),
    suspendedAt: ts('suspended_at'),
    canceledAt: ts('canceled_at'),
    ...timestamps(),
  },
  (t) => [
    check('services_monthly_fee_check', sql`${t.monthlyFee} >= 0`),
    index('services_organization_id_idx').on(t.organizationId),
    index('services_hardware_serial_idx').on(t.hardwareSerial),
  ],
);

export const invoices = pgTable(
  'invoices',
  {
    id: id(),
    billingAccountId: text('billing_account_id')
      .notNull()
      .references(() => billingAccounts.id, { onDelete: 'cascade' }),
    subscriptionId: text('subscription_id').references(() => subscriptions.id, { onDelete: 'set null' }),
    // INV-YYYY-NNNNNN (or Stripe's number), set in the UPDATE that sets finalizedAt.
    invoiceNumber: text('invoice_number'),
    periodStart: ts('period_start').notNull(),
    periodEnd: ts('period_end').notNull(),
    subtotal: integer('subtotal').notNull().default(0),
    tax: integer('tax').notNull().default(0),
    total: integer('total').notNull().default(0),
    amountPaid: integer('amount_paid').notNull().default(0),
    amountDue: integer('amount_due').notNull().generatedAlwaysAs(sql`total - amount_paid`),
    currency: text('currency').notNull().default('USD'),
    status: invoiceStatus('status').notNull().default('DRAFT'),
    issuedAt: ts('issued_at'),
    dueAt: ts('due_at'),
    paidAt: ts('paid_at'),
    // SHA-256 of the /pay/:token link token.
    paymentTokenHash: text('payment_token_hash'),
    paymentTokenExpiresAt: ts('payment_token_expires_at'),
    // Once set, the invoice is immutable (triggers in the SQL).
    finalizedAt: ts('finalized_at'),
    stripeInvoiceId: text('stripe_invoice_id'),
    pdfUrl: text('pdf_url'),
    ...timestamps(),
  },
  (t) => [
    unique('invoices_invoice_number_key').on(t.invoiceNumber),
    unique('invoices_payment_token_hash_key').on(t.paymentTokenHash),
    unique('invoices_stripe_invoice_id_key').on(t.stripeInvoiceId),
    check('invoices_subtotal_check', sql`${t.subtotal} >= 0`),
    check('invoices_tax_check', sql`${t.tax} >= 0`),
    check('invoices_total_check', sql`${t.total} >= 0`),
    check('invoices_amount_paid_check', sql`${t.amountPaid} >= 0`),
    check('invoices_amount_due_check', sql`${t.amountDue} >= 0`),
    check('invoices_total_sum_check', sql`${t.total} = ${t.subtotal} + ${t.tax}`),
    uniqueIndex('invoices_billing_account_period_key')
      .on(t.billingAccountId, t.periodStart)
      .where(sql`stripe_invoice_id IS NULL AND status <> 'VOID'`),
    index('invoices_billing_account_id_idx').on(t.billingAccountId),
    index('invoices_subscription_id_idx').on(t.subscriptionId),
    index('invoices_status_idx').on(t.status),
  ],
);

/** Gapless numbering: UPDATE … SET last_number = last_number + 1 RETURNING in the finalizing transaction. */
export const invoiceCounters = pgTable(
  'invoice_counters',
  {
    year: integer('year').primaryKey(),
    lastNumber: integer('last_number').notNull().default(0),
    ...timestamps(),
  },
  (t) => [check('invoice_counters_last_number_check', sql`${t.lastNumber} >= 0`)],
);

export const invoiceLineItems = pgTable(
  'invoice_line_items',
  {
    id: id(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    serviceId: text('service_id').references(() => services.id, { onDelete: 'set null' }),
    description: text('description').notNull(),
    quantity: integer('quantity').notNull().default(1),
    unitPrice: integer('unit_price').notNull(),
    amount: integer('amount').notNull(),
    ...timestamps(),
  },
  (t) => [
    check('invoice_line_items_quantity_check', sql`${t.quantity} > 0`),
    check('invoice_line_items_unit_price_check', sql`${t.unitPrice} >= 0`),
    check('invoice_line_items_amount_check', sql`${t.amount} = ${t.quantity} * ${t.unitPrice}`),
    index('invoice_line_items_invoice_id_idx').on(t.invoiceId),
    index('invoice_line_items_service_id_idx').on(t.serviceId),
  ],
);

export const payments = pgTable(
  'payments',
  {
    id: id(),
    billingAccountId: text('billing_account_id')
      .notNull()
      .references(() => billingAccounts.id, { onDelete: 'cascade' }),
    invoiceId: text('invoice_id').references(() => invoices.id, { onDelete: 'set null' }),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull().default('USD'),
    method: paymentMethod('method').notNull(),
    status: paymentStatus('status').notNull().default('PENDING'),
    // The provider's reference (Paynow poll URL, Stripe payment intent) and its raw status.
    externalId: text('external_id'),
    externalStatus: text('external_status'),
    initiatedAt: ts('initiated_at').notNull().defaultNow(),
    completedAt: ts('completed_at'),
    failedAt: ts('failed_at'),
    errorMessage: text('error_message'),
    // Staff member who recorded a manual payment.
    recordedBy: text('recorded_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [
    check('payments_amount_check', sql`${t.amount} > 0`),
    index('payments_billing_account_id_idx').on(t.billingAccountId),
    index('payments_invoice_id_idx').on(t.invoiceId),
    index('payments_recorded_by_idx').on(t.recordedBy),
    index('payments_external_id_idx').on(t.externalId),
    index('payments_status_idx').on(t.status),
  ],
);

export const credits = pgTable(
  'credits',
  {
    id: id(),
    billingAccountId: text('billing_account_id')
      .notNull()
      .references(() => billingAccounts.id, { onDelete: 'cascade' }),
    amount: integer('amount').notNull(),
    reason: text('reason').notNull(),
    issuedById: text('issued_by_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [
    check('credits_amount_check', sql`${t.amount} > 0`),
    index('credits_billing_account_id_idx').on(t.billingAccountId),
    index('credits_issued_by_id_idx').on(t.issuedById),
  ],
);

/** Webhook idempotency ledger: insert with ON CONFLICT DO NOTHING in the transaction that applies the event. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: id(),
    provider: text('provider').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    eventCreatedAt: ts('event_created_at'),
    receivedAt: ts('received_at').notNull().defaultNow(),
    processedAt: ts('processed_at'),
    error: text('error'),
    // APPLIED | IGNORED | STALE | FAILED (migration 0012); NULL until a delivery finishes.
    outcome: text('outcome').$type<'APPLIED' | 'IGNORED' | 'STALE' | 'FAILED'>(),
    attempts: integer('attempts').notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    unique('webhook_events_provider_event_key').on(t.provider, t.eventId),
    check(
      'webhook_events_outcome_check',
      sql`${t.outcome} IS NULL OR ${t.outcome} IN ('APPLIED', 'IGNORED', 'STALE', 'FAILED')`,
    ),
    index('webhook_events_received_at_idx').on(t.receivedAt),
    index('webhook_events_type_received_at_idx').on(t.type, t.receivedAt),
    index('webhook_events_unprocessed_idx').on(t.receivedAt).where(sql`processed_at IS NULL`),
  ],
);

/** Drizzle has no bytea column type of its own: Buffers in and out (postgres.js and PGlite both use them). */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/** The PDF of a finalized invoice, rendered once and immutable (migration 0013). */
export const invoiceDocuments = pgTable('invoice_documents', {
  invoiceId: text('invoice_id')
    .primaryKey()
    .references(() => invoices.id, { onDelete: 'cascade' }),
  content: bytea('content').notNull(),
  sha256: text('sha256').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});
