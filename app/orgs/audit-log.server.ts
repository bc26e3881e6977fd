// The organization's audit log page (SPEC §2: OWNER and ADMIN): filter by actor, action and date,
// newest first, keyset pagination on (created_at, id) so pages stay stable while rows are appended.

import { type AnyColumn, and, asc, desc, eq, gte, inArray, isNotNull, lt, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '~/audit/audit.server';
import { formatMoney, PLAN_DEFINITIONS } from '~/billing/plans';
import { daySchema } from '~/lib/dates';
import { keysetPage, olderThanCursor } from '~/lib/keyset.server';
import { AVAILABLE_MODULES } from '~/modules/catalog';
import type { Database } from '~db/client.server';
import {
  apiKeys,
  auditLogs,
  invitations,
  organizationMembers,
  supportTickets,
  teams,
  users,
} from '~db/schema';
import { authorize } from './access.server';

export const AUDIT_PAGE_SIZE = 25;

// Calendar days PostgreSQL accepts (2026-02-31 or year 0 would be a 500 in the query).
const day = daySchema;
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

/** The page's query string: ?actor=<user id>&action=<action>&from=YYYY-MM-DD&to=YYYY-MM-DD&cursor=… */
export const auditFilterSchema = z.object({
  actor: z.preprocess(blank, z.string().max(100).optional()),
  action: z.preprocess(blank, z.string().max(100).optional()),
  from: z.preprocess(blank, day.optional()),
  to: z.preprocess(blank, day.optional()),
  cursor: z.preprocess(blank, z.string().max(200).optional()),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export async function listAuditLog(db: Database, actor: Actor, organizationId: string, filter: AuditFilter) {
  await authorize(db, actor, organizationId, 'audit:view');
  return queryAuditLog(db, organizationId, filter);
}

/**
 * The page of entries for the filter, within one organization or (null: platform staff, /admin/audit)
 * across all of them. Callers check who may read it.
 */
export async function queryAuditLog(db: Database, organizationId: string | null, filter: AuditFilter) {
  const where: (SQL | undefined)[] = [
    organizationId ? eq(auditLogs.organizationId, organizationId) : undefined,
  ];
  if (filter.actor) where.push(eq(auditLogs.userId, filter.actor));
  if (filter.action) where.push(eq(auditLogs.action, filter.action));
  // Dates are UTC days; ISO strings, not Date objects, inside raw SQL (postgres.js).
  if (filter.from) where.push(gte(auditLogs.createdAt, sql`${`${filter.from}T00:00:00.000Z`}::timestamptz`));
  if (filter.to)
    where.push(lt(auditLogs.createdAt, sql`${`${filter.to}T00:00:00.000Z`}::timestamptz + interval '1 day'`));
  where.push(olderThanCursor(auditLogs.createdAt, auditLogs.id, filter.cursor));

  const rows = await db
    .select({
      id: auditLogs.id,
      createdAt: auditLogs.createdAt,
      organizationId: auditLogs.organizationId,
      action: auditLogs.action,
      actorType: auditLogs.actorType,
      userId: auditLogs.userId,
      actorName: users.name,
      actorEmail: users.email,
      entityType: auditLogs.entityType,
      entityId: auditLogs.entityId,
      oldValues: auditLogs.oldValues,
      newValues: auditLogs.newValues,
      metadata: auditLogs.metadata,
      ipAddress: auditLogs.ipAddress,
      userAgent: auditLogs.userAgent,
    })
    .from(auditLogs)
    .leftJoin(users, eq(users.id, auditLogs.userId))
    .where(and(...where))
    .orderBy(desc(auditLogs.createdAt), desc(auditLogs.id))
    .limit(AUDIT_PAGE_SIZE + 1);
  const { page, nextCursor } = keysetPage(rows, AUDIT_PAGE_SIZE);
  const names = await namesFor(db, organizationId, page);
  return {
    entries: page.map((e) => ({
      ...e,
      sentence: describeAuditEntry(e, (kind, id) => names.get(`${kind}:${id}`)),
    })),
    nextCursor,
  };
}

// ---- Sentences: "Ada Lovelace invited bob@example.com as MEMBER" instead of JSON and ids. ----

/** What an entry refers to by id and the sentence may name: looked up once per page. */
export type NameKind = 'user' | 'member' | 'team' | 'api_key' | 'invitation' | 'ticket';
export type NameOf = (kind: NameKind, id: string) => string | undefined;

export interface DescribableEntry {
  action: string;
  actorType: string;
  actorName?: string | null;
  actorEmail?: string | null;
  entityType: string;
  entityId?: string | null;
  oldValues?: unknown;
  newValues?: unknown;
  metadata?: unknown;
}

type Values = Record<string, unknown>;
const record = (v: unknown): Values => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Values) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

interface Context {
  who: string;
  before: Values;
  after: Values;
  meta: Values;
  id: string | undefined;
  actorSystem: boolean;
  name: NameOf;
}

const planName = (key: unknown) => PLAN_DEFINITIONS.find((p) => p.key === key)?.name ?? str(key) ?? 'another';
const moduleName = (key: unknown) =>
  AVAILABLE_MODULES[key as keyof typeof AVAILABLE_MODULES]?.name ?? str(key) ?? 'a module';
const user = (c: Context, id: unknown, fallback = 'a former member') =>
  (str(id) && c.name('user', id as string)) || fallback;
const entity = (c: Context, kind: NameKind, fallback: string) => (c.id && c.name(kind, c.id)) || fallback;
const possessive = (name: string) => (name.endsWith('s') ? `${name}’` : `${name}’s`);
const quoted = (v: unknown, fallback: string) => (str(v) ? `“${v}”` : fallback);
const ticket = (c: Context) => quoted(entity(c, 'ticket', ''), 'a support ticket');
const team = (c: Context) => quoted(str(c.before.name) ?? entity(c, 'team', ''), 'a team');
const factorWords = (kind: unknown) =>
  kind === 'passkey' ? 'a passkey' : kind === 'recovery_codes' ? 'recovery codes' : 'an authenticator app';
const statusWord = (v: unknown) => (str(v) ?? '').toLowerCase().replaceAll('_', ' ');

const storeOrder = (c: Context) =>
  str(c.after.orderNumber) ? `the store order ${c.after.orderNumber}` : 'a store order';
const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One sentence per action the app records; a test keeps this in step with every `action: '…'` in app/. */
export const AUDIT_SENTENCES: Record<string, (c: Context) => string> = {
  'organization.created': (c) => `${c.who} created the organization ${quoted(c.after.name, '')}`.trim(),
  'organization.updated': (c) => {
    const fields = Object.keys(c.after).filter((k) => c.after[k] !== c.before[k]);
    return fields.length
      ? `${c.who} changed the organization’s ${fields.join(', ')}`
      : `${c.who} saved the organization’s settings`;
  },
  'organization.deleted': (c) => `${c.who} deleted the organization ${quoted(c.before.name, '')}`.trim(),
  'organization.ownership_transferred': (c) =>
    `${c.who} transferred ownership to ${user(c, c.after.ownerUserId)}`,
  'member.role_changed': (c) =>
    `${c.who} changed ${possessive(entity(c, 'member', 'a former member'))} role from ${str(c.before.role) ?? '?'} to ${str(c.after.role) ?? '?'}`,
  'member.removed': (c) =>
    `${c.who} removed ${str(c.before.email) ?? user(c, c.before.userId)} (${str(c.before.role) ?? 'member'})`,
  'member.left': (c) => `${c.who} left the organization`,
  'member.joined': (c) => `${user(c, c.after.userId, c.who)} joined as ${str(c.after.role) ?? 'MEMBER'}`,
  'invitation.created': (c) =>
    `${c.who} invited ${str(c.after.email) ?? 'someone'} as ${str(c.after.role) ?? 'MEMBER'}`,
  'invitation.canceled': (c) => `${c.who} canceled the invitation to ${entity(c, 'invitation', 'someone')}`,
  'invitation.resent': (c) => `${c.who} resent the invitation to ${entity(c, 'invitation', 'someone')}`,
  'invitation.accepted': (c) =>
    `${c.who} accepted the invitation for ${entity(c, 'invitation', 'their email')}`,
  'invitation.declined': (c) =>
    `${c.who} declined the invitation for ${entity(c, 'invitation', 'their email')}`,
  'team.created': (c) => `${c.who} created the team ${quoted(c.after.name, '')}`.trim(),
  'team.renamed': (c) =>
    `${c.who} renamed the team ${quoted(c.before.name, '')} to ${quoted(c.after.name, '')}`,
  'team.deleted': (c) => `${c.who} deleted the team ${quoted(c.before.name, '')}`.trim(),
  'team.member_added': (c) => `${c.who} added ${user(c, c.after.userId)} to the team ${team(c)}`,
  'team.member_removed': (c) => `${c.who} removed ${user(c, c.before.userId)} from the team ${team(c)}`,
  'project.created': (c) => `${c.who} created the project ${quoted(c.after.name, '')}`.trim(),
  'project.updated': (c) =>
    c.before.name !== c.after.name && str(c.after.name)
      ? `${c.who} renamed the project ${quoted(c.before.name, '')} to ${quoted(c.after.name, '')}`
      : `${c.who} updated the project ${quoted(c.after.name ?? c.before.name, '')}`.trim(),
  'project.deleted': (c) => `${c.who} deleted the project ${quoted(c.before.name, '')}`.trim(),
  'module.enabled': (c) =>
    `${c.who} enabled the ${moduleName(c.after.moduleKey ?? c.before.moduleKey)} module`,
  'module.disabled': (c) =>
    `${c.actorSystem ? 'The plan change' : c.who} disabled the ${moduleName(c.before.moduleKey ?? c.after.moduleKey)} module`,
  'subscription.plan_changed': (c) =>
    `${c.who} switched the plan from ${planName(c.before.plan)} to ${planName(c.after.plan)}`,
  'subscription.canceled': (c) =>
    `${c.who} canceled the ${planName(c.before.plan)} plan at the end of the period`,
  'subscription.resumed': (c) => `${c.who} resumed the ${planName(c.after.plan)} plan`,
  // Stripe mode (issue 10): what a member asked of Stripe, and what Stripe's webhooks changed.
  'billing.customer_created': (c) => `${c.who} connected the organization to Stripe`,
  'subscription.checkout_started': (c) =>
    `${c.who} opened Stripe Checkout for the ${planName(c.after.plan)} plan${Number(c.after.trialDays) > 0 ? ` (${c.after.trialDays}-day trial)` : ''}`,
  'subscription.change_requested': (c) =>
    c.after.kind === 'upgraded'
      ? `${c.who} upgraded the plan from ${planName(c.before.plan)} to ${planName(c.after.plan)}`
      : `${c.who} scheduled a move from ${planName(c.before.plan)} to ${planName(c.after.plan)} at the end of the period`,
  'subscription.cancel_requested': (c) =>
    `${c.who} canceled the ${planName(c.before.plan)} plan at the end of the period`,
  'subscription.resume_requested': (c) => `${c.who} resumed the ${planName(c.after.plan)} plan`,
  'subscription.started': (c) =>
    `Stripe started the ${planName(c.after.plan)} subscription (${statusWord(c.after.status)})`,
  'subscription.updated': (c) =>
    c.after.cancelAtPeriodEnd && !c.before.cancelAtPeriodEnd
      ? `Stripe set the ${planName(c.after.plan)} subscription to end with its period`
      : `Stripe updated the ${planName(c.after.plan)} subscription (${statusWord(c.after.status)})`,
  'subscription.ended': (c) =>
    `The ${planName(c.before.plan)} subscription ended; the organization is on ${planName(c.after.plan)}`,
  'stripe_invoice.paid': (c) =>
    `Stripe collected ${formatMoney(Number(c.after.amount ?? 0), String(c.after.currency ?? 'usd').toUpperCase())}${str(c.after.number) ? ` (invoice ${c.after.number})` : ''}`,
  'stripe_invoice.payment_failed': (c) =>
    `A payment of ${formatMoney(Number(c.after.amount ?? 0), String(c.after.currency ?? 'usd').toUpperCase())} failed${str(c.after.number) ? ` (invoice ${c.after.number})` : ''}`,
  'stripe_charge.refunded': (c) =>
    `Stripe refunded ${formatMoney(Number(c.after.amountRefunded ?? 0), String(c.after.currency ?? 'usd').toUpperCase())}`,
  // Store fulfilment (issue 13): downloads, reviews, refunds, the staff catalog.
  'store_download.served': (c) =>
    `${c.who} downloaded ${quoted(c.after.file, 'a file')} of ${quoted(c.after.product, 'a purchase')}`,
  'store_review.created': (c) =>
    `${c.who} reviewed ${quoted(c.after.product, 'a product')} (${Number(c.after.rating ?? 0)} of 5)`,
  'store_review.voted': (c) => `${c.who} found a review of ${quoted(c.after.product, 'a product')} helpful`,
  'store_refund.issued': (c) =>
    `${c.who} refunded ${formatMoney(Number(c.after.amount ?? 0), str(c.after.currency) ?? 'USD')} of order ${str(c.after.orderNumber) ?? ''} (${statusWord(c.after.reason) || 'no reason'})`.replace(
      '  ',
      ' ',
    ),
  'store_refund.failed': (c) =>
    `A refund of ${formatMoney(Number(c.after.amount ?? 0), str(c.after.currency) ?? 'USD')} of order ${str(c.after.orderNumber) ?? ''} failed at Stripe`.replace(
      '  ',
      ' ',
    ),
  'store_refund.reconciled': (c) =>
    `Stripe reported ${formatMoney(Number(c.after.amount ?? 0), str(c.after.currency) ?? 'USD')} refunded in all on order ${str(c.after.orderNumber) ?? ''}`.replace(
      '  ',
      ' ',
    ),
  'store_product.created': (c) => `${c.who} created the product ${quoted(c.after.name, '')}`.trim(),
  'store_product.updated': (c) =>
    `${c.who} changed the product ${quoted(c.after.name ?? c.before.name, '')}`.trim(),
  'store_product.deleted': (c) => `${c.who} deleted the product ${quoted(c.before.name, '')}`.trim(),
  'store_price.created': (c) =>
    `${c.who} added a price of ${formatMoney(Number(c.after.unitAmount ?? 0), str(c.after.currency) ?? 'USD')} to ${quoted(c.after.product, 'a product')}`,
  'store_price.deactivated': (c) =>
    `${c.who} deactivated a price of ${quoted(c.before.product, 'a product')}`,
  'store_category.created': (c) => `${c.who} created the category ${quoted(c.after.name, '')}`.trim(),
  'store_category.updated': (c) =>
    `${c.who} changed the category ${quoted(c.after.name ?? c.before.name, '')}`.trim(),
  'store_category.deleted': (c) => `${c.who} deleted the category ${quoted(c.before.name, '')}`.trim(),
  'store_discount.created': (c) => `${c.who} created the discount code ${quoted(c.after.code, '')}`.trim(),
  'store_discount.updated': (c) =>
    `${c.who} changed the discount code ${quoted(c.after.code ?? c.before.code, '')}`.trim(),
  'store_discount.deactivated': (c) =>
    `${c.who} deactivated the discount code ${quoted(c.before.code, '')}`.trim(),
  // Invoicing (issue 11).
  'subscription.renewed': (c) => `The ${planName(c.after.plan)} subscription renewed for another period`,
  'invoice.finalized': (c) =>
    `Invoice ${str(c.after.number) ?? ''} was issued for ${formatMoney(Number(c.after.total ?? 0), str(c.after.currency) ?? 'USD')}`.replace(
      '  ',
      ' ',
    ),
  'invoice.voided': (c) => `${c.who} voided invoice ${str(c.before.number) ?? ''}`.trim(),
  'payment.initiated': (c) =>
    `${c.who} started a ${formatMoney(Number(c.after.amount ?? 0), str(c.after.currency) ?? 'USD')} payment by ${statusWord(c.after.method)}`,
  'payment.received': (c) =>
    `${formatMoney(Number(c.after.amount ?? 0), str(c.after.currency) ?? 'USD')} was received by ${statusWord(c.after.method)}${str(c.after.invoiceNumber) ? ` for invoice ${c.after.invoiceNumber}` : ''}`,
  'payment.failed': (c) =>
    `A ${formatMoney(Number(c.after.amount ?? 0), str(c.after.currency) ?? 'USD')} payment by ${statusWord(c.after.method)} ${statusWord(c.after.status)}`,
  'credit.issued': (c) =>
    `${c.who} issued a credit of ${formatMoney(Number(c.after.amount ?? 0), 'USD')}: ${str(c.after.reason) ?? ''}`.trim(),
  'service.created': (c) => `${c.who} added the service ${quoted(c.after.name, '')}`.trim(),
  'service.suspended': (c) =>
    `${c.who} suspended the service ${quoted(c.before.name ?? c.after.name, '')}`.trim(),
  'service.resumed': (c) =>
    `${c.who} resumed the service ${quoted(c.before.name ?? c.after.name, '')}`.trim(),
  'service.canceled': (c) =>
    `${c.who} canceled the service ${quoted(c.before.name ?? c.after.name, '')}`.trim(),
  'billing_account.overdue': () => 'The billing account is overdue: an invoice is past its due date',
  'billing_account.suspended': () => 'The billing account was suspended after the grace period',
  'billing_account.restored': () => 'The billing account is active again: everything overdue is paid',
  'user.suspended': (c) =>
    `${c.who} suspended ${user(c, c.id, str(c.meta.email) ?? 'a user')}, ending their sessions and tokens`,
  'user.restored': (c) => `${c.who} restored ${user(c, c.id, str(c.meta.email) ?? 'a user')}`,
  'user.impersonation_started': (c) =>
    `${c.who} started viewing the product as ${user(c, c.id, str(c.meta.targetEmail) ?? 'a user')} (read-only)`,
  'user.impersonation_ended': (c) =>
    `${c.who} stopped viewing the product as ${user(c, c.id, str(c.meta.targetEmail) ?? 'a user')}`,
  'system_setting.updated': (c) =>
    `${c.who} changed the system setting ${quoted(c.meta.key, 'a setting')}`.trim(),
  'plan.updated': (c) => `${c.who} updated the plan ${quoted(c.after.name ?? c.before.name, '')}`.trim(),
  'plan.retired': (c) => `${c.who} retired the plan ${quoted(c.before.name, '')}`.trim(),
  'email.resent': (c) => `${c.who} queued a failed email to ${str(c.meta.to) ?? 'its recipient'} again`,
  'webhook_event.reprocessed': (c) =>
    `${c.who} re-processed the ${str(c.meta.provider) ?? ''} webhook event ${quoted(c.meta.type, '')}`
      .replace('  ', ' ')
      .trim(),
  'user.staff_role_granted': (c) =>
    `${c.who} made ${user(c, c.id, 'a user')} platform ${str(c.after.role) === 'SUPPORT' ? 'support staff' : 'administrator'}`,
  'api_key.created': (c) =>
    `${c.who} created the API key ${quoted(c.after.name, '')} (${str(c.after.prefix) ?? 'sk_'}…)`.replace(
      ' ()',
      '',
    ),
  'api_key.revoked': (c) => `${c.who} revoked the API key ${quoted(entity(c, 'api_key', ''), '')}`.trim(),
  'api_key.deactivated': (c) => {
    const why: Record<string, string> = {
      member_removed: 'its creator was removed from the organization',
      member_left: 'its creator left the organization',
      role_changed: 'its creator’s new role may not manage API keys',
    };
    const reason = why[str(c.meta.reason) ?? ''];
    return `The API key ${quoted(c.meta.name, '')} was deactivated${reason ? `: ${reason}` : ''}`.replace(
      '  ',
      ' ',
    );
  },
  'usage.ingested': (c) => {
    const n = Number(c.meta.accepted ?? 0);
    return `${c.who} sent ${n.toLocaleString('en-US')} usage event${n === 1 ? '' : 's'}`;
  },
  'support_ticket.opened': (c) => `${c.who} opened the support ticket ${quoted(c.after.subject, '')}`.trim(),
  'support_ticket.replied': (c) => `${c.who} replied to ${ticket(c)}`,
  'support_ticket.closed': (c) => `${c.who} closed ${ticket(c)}`,
  'support_ticket.assigned': (c) =>
    str(c.after.assigneeId)
      ? `${c.who} assigned ${ticket(c)} to ${user(c, c.after.assigneeId, 'a support agent')}`
      : `${c.who} unassigned ${ticket(c)}`,
  'support_ticket.status_changed': (c) =>
    `${c.who} moved ${ticket(c)} from ${statusWord(c.before.status)} to ${statusWord(c.after.status)}`,
  'support_ticket.note_added': (c) => `${c.who} added an internal note to ${ticket(c)}`,
  // Events (issue 12): apps, rooms, participants, prizes, draws.
  'app.registered': (c) =>
    `${c.who} registered the app ${quoted(c.after.name, '')} (${str(c.after.appId) ?? 'app'} ${str(c.after.manifestVersion) ?? ''})`
      .replace(' )', ')')
      .replace('  ', ' '),
  'app.restored': (c) =>
    `${c.who} registered the retired app ${quoted(c.after.name, '')} again at version ${str(c.after.manifestVersion) ?? '?'}`.replace(
      '  ',
      ' ',
    ),
  'app.manifest_updated': (c) =>
    `${c.who} updated the app ${quoted(c.after.name ?? c.before.name, '')} from version ${str(c.before.manifestVersion) ?? '?'} to ${str(c.after.manifestVersion) ?? '?'}`.replace(
      '  ',
      ' ',
    ),
  'app.retired': (c) => `${c.who} retired the app ${quoted(c.before.name, '')}`.trim(),
  'room.created': (c) =>
    `${c.who} created the ${c.after.isPublic ? 'public' : 'private'} room ${quoted(c.after.name, '')}`.trim(),
  'room.updated': (c) => {
    const fields = Object.keys(c.after).filter((k) => k !== 'name' || c.after.name !== c.before.name);
    const room = quoted(c.after.name ?? c.before.name, 'a room');
    return `${c.who} changed ${room.startsWith('“') ? `the room ${room}` : room}${fields.length ? `: ${fields.join(', ')}` : ''}`;
  },
  'room.status_changed': (c) =>
    `${c.who} moved the room ${quoted(c.after.name ?? c.before.name, '')} from ${statusWord(c.before.status) || '?'} to ${statusWord(c.after.status) || '?'}`.replace(
      '  ',
      ' ',
    ),
  'room.deleted': (c) => `${c.who} deleted the room ${quoted(c.before.name, '')}`.trim(),
  'participant.joined': (c) => `${c.who} joined the room ${quoted(c.after.roomName, '')}`.trim(),
  'participant.left': (c) => `${c.who} left the room ${quoted(c.before.roomName, '')}`.trim(),
  'participant.added': (c) =>
    `${c.who} added ${user(c, c.after.userId, 'someone')} to the room ${quoted(c.after.roomName, '')} as ${str(c.after.role) ?? 'PARTICIPANT'}`.replace(
      '  ',
      ' ',
    ),
  'participant.removed': (c) =>
    `${c.who} removed ${user(c, c.before.userId, 'a participant')} from the room ${quoted(c.before.roomName, '')}`.trim(),
  'prize.created': (c) =>
    `${c.who} added the prize ${quoted(c.after.name, '')}${Number(c.after.quantity) > 0 ? ` (×${c.after.quantity})` : ''} to the room ${quoted(c.after.roomName, '')}`
      .replace('  ', ' ')
      .trim(),
  'prize.updated': (c) => `${c.who} edited the prize ${quoted(c.after.name ?? c.before.name, '')}`.trim(),
  'prize.deleted': (c) => `${c.who} deleted the prize ${quoted(c.before.name, '')}`.trim(),
  'draw.performed': (c) => {
    const n = Number(c.after.count ?? 0);
    return `${c.who} drew ${n > 0 ? n : 'the'} winner${n === 1 ? '' : 's'} of the prize ${quoted(c.after.prizeName, '')}`.trim();
  },
  'winner.revoked': (c) => `${c.who} revoked the win of ${user(c, c.before.userId, 'a participant')}`,
  'user.signed_up': (c) => `${c.who} signed up`,
  'user.signed_in': (c) => `${c.who} signed in`,
  'user.signed_out': (c) => `${c.who} signed out`,
  'user.sign_in_failed': (c) => `A sign-in as ${c.who} failed`,
  'user.sign_up_existing': (c) => `Someone tried to sign up again with ${possessive(c.who)} email address`,
  'user.unverified_account_claimed': (c) =>
    `${c.who} took over their unverified account through ${str(c.meta.providerId) ?? 'a sign-in provider'}`,
  'user.email_verified': (c) => `${c.who} verified their email address`,
  'user.password_reset': (c) => `${c.who} reset their password`,
  'user.profile_updated': (c) => `${c.who} updated their profile`,
  'user.deleted': (c) => `${c.who} deleted their account`,
  'account.linked': (c) =>
    `${c.who} connected a ${(c.id?.includes(':') ? c.id.split(':')[0] : undefined) ?? 'sign-in'} account`,
  'account.unlinked': (c) => `${c.who} disconnected a sign-in account`,
  'session.revoked': (c) => `${c.who} signed out one of their sessions`,
  'session.revoked_others': (c) => `${c.who} signed out all their other sessions`,
  'user.signed_in_with_passkey': (c) => `${c.who} signed in with a passkey`,
  'session.reauthenticated': (c) =>
    `${c.who} confirmed it was them${c.meta.method === 'password' ? ' with their password' : c.meta.method === 'totp' ? ' with an authenticator code' : c.meta.method === 'passkey' ? ' with a passkey' : ''}`,
  'session.reauthentication_failed': (c) => `A confirmation that it was ${c.who} failed`,
  'user.email_change_requested': (c) =>
    `${c.who} asked to change their sign-in email${str(c.after.email) ? ` to ${str(c.after.email)}` : ''}`,
  'user.email_change_canceled': (c) => `${c.who} canceled a change of their sign-in email`,
  'user.email_changed': (c) =>
    `${c.who} changed their sign-in email${str(c.after.email) ? ` to ${str(c.after.email)}` : ''}`,
  // Issue 15: the second factor.
  'second_factor.added': (c) => `${c.who} added ${factorWords(c.meta.kind)} as a second factor`,
  'second_factor.removed': (c) => `${c.who} removed ${factorWords(c.meta.kind)} as a second factor`,
  'second_factor.totp_enrollment_started': (c) => `${c.who} started setting up an authenticator app`,
  'second_factor.totp_enrollment_canceled': (c) => `${c.who} canceled setting up an authenticator app`,
  'second_factor.recovery_codes_regenerated': (c) => `${c.who} made a new set of recovery codes`,
  'user.two_factor_verified': (c) =>
    `${c.who} finished signing in with ${c.meta.secondFactor === 'recovery_code' ? 'a recovery code' : 'an authenticator app code'}`,
  'user.two_factor_failed': (c) => `A second-step code for ${c.who} was wrong`,
  'organization.two_factor_required': (c) =>
    c.after.requireTwoFactor === true
      ? `${c.who} required a second factor of every member`
      : `${c.who} stopped requiring a second factor of members`,
  'order.placed': (c) => `${c.who} placed ${storeOrder(c)}`,
  'order.paid': (c) => `${capitalized(storeOrder(c))} was paid`,
  'order.payment_held': (c) => `${capitalized(storeOrder(c))} was paid but needs staff attention`,
  'order.canceled': (c) => `${capitalized(storeOrder(c))} was canceled unpaid`,
  'api_token.reuse_detected': () => 'A refresh token was reused; its whole token family was revoked',
};

/** Who acted, in words: the person's name (or email), the system, or a since-deleted user. */
export function actorLabel(e: Pick<DescribableEntry, 'actorType' | 'actorName' | 'actorEmail'>): string {
  if (e.actorName || e.actorEmail) return (e.actorName || e.actorEmail) as string;
  if (e.actorType === 'SYSTEM') return 'The system';
  if (e.actorType === 'API_KEY') return 'An API key';
  return 'A former user';
}

export function describeAuditEntry(e: DescribableEntry, name: NameOf = () => undefined): string {
  const c: Context = {
    who: actorLabel(e),
    before: record(e.oldValues),
    after: record(e.newValues),
    meta: record(e.metadata),
    id: e.entityId ?? undefined,
    name,
    actorSystem: e.actorType === 'SYSTEM',
  };
  const sentence = AUDIT_SENTENCES[e.action];
  if (sentence) return `${sentence(c)}.`;
  // Unknown (newer or retired) actions still read as a sentence: "Ada did team.archived on team".
  const what = e.action.replaceAll('_', ' ').replace('.', ': ');
  return `${c.who} recorded “${what}” on ${e.entityType.replaceAll('_', ' ')}.`;
}

/** Names of the users, members, teams, keys, invitations and tickets the page's entries refer to. */
async function namesFor(db: Database, organizationId: string | null, entries: DescribableEntry[]) {
  const ids: Record<NameKind, Set<string>> = {
    user: new Set(),
    member: new Set(),
    team: new Set(),
    api_key: new Set(),
    invitation: new Set(),
    ticket: new Set(),
  };
  const byEntity: Record<string, NameKind> = {
    organization_member: 'member',
    team: 'team',
    api_key: 'api_key',
    invitation: 'invitation',
    support_ticket: 'ticket',
  };
  for (const e of entries) {
    const kind = byEntity[e.entityType];
    if (kind && e.entityId) ids[kind].add(e.entityId);
    for (const values of [record(e.oldValues), record(e.newValues)])
      for (const key of ['userId', 'ownerUserId', 'assigneeId'])
        if (str(values[key])) ids.user.add(values[key] as string);
  }
  // Names of one organization's rows; across organizations (staff) every row's.
  const scope = (column: AnyColumn) => (organizationId ? eq(column, organizationId) : undefined);
  const names = new Map<string, string>();
  const put = (kind: NameKind, rows: { id: string; name: string | null; email?: string | null }[]) => {
    for (const r of rows) {
      const label = r.name || r.email;
      if (label) names.set(`${kind}:${r.id}`, label);
    }
  };
  const list = (kind: NameKind) => [...ids[kind]];
  const tasks: Promise<void>[] = [];
  if (ids.user.size)
    tasks.push(
      db
        .select({ id: users.id, name: users.name, email: users.email })
        .from(users)
        .where(inArray(users.id, list('user')))
        .then((rows) => put('user', rows)),
    );
  if (ids.member.size)
    tasks.push(
      db
        .select({ id: organizationMembers.id, name: users.name, email: users.email })
        .from(organizationMembers)
        .innerJoin(users, eq(users.id, organizationMembers.userId))
        .where(
          and(scope(organizationMembers.organizationId), inArray(organizationMembers.id, list('member'))),
        )
        .then((rows) => put('member', rows)),
    );
  if (ids.team.size)
    tasks.push(
      db
        .select({ id: teams.id, name: teams.name })
        .from(teams)
        .where(and(scope(teams.organizationId), inArray(teams.id, list('team'))))
        .then((rows) => put('team', rows)),
    );
  if (ids.api_key.size)
    tasks.push(
      db
        .select({ id: apiKeys.id, name: apiKeys.name })
        .from(apiKeys)
        .where(and(scope(apiKeys.organizationId), inArray(apiKeys.id, list('api_key'))))
        .then((rows) => put('api_key', rows)),
    );
  if (ids.invitation.size)
    tasks.push(
      db
        .select({ id: invitations.id, name: invitations.email })
        .from(invitations)
        .where(and(scope(invitations.organizationId), inArray(invitations.id, list('invitation'))))
        .then((rows) => put('invitation', rows)),
    );
  if (ids.ticket.size)
    tasks.push(
      db
        .select({ id: supportTickets.id, name: supportTickets.subject })
        .from(supportTickets)
        .where(and(scope(supportTickets.organizationId), inArray(supportTickets.id, list('ticket'))))
        .then((rows) => put('ticket', rows)),
    );
  await Promise.all(tasks);
  return names;
}

/** The choices of the filter form: who acted in this organization, and which actions occurred. */
export async function auditFilterOptions(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'audit:view');
  const actors = await db
    .selectDistinct({ id: users.id, name: users.name, email: users.email })
    .from(auditLogs)
    .innerJoin(users, eq(users.id, auditLogs.userId))
    .where(and(eq(auditLogs.organizationId, organizationId), isNotNull(auditLogs.userId)))
    .orderBy(asc(users.email));
  const actions = await db
    .selectDistinct({ action: auditLogs.action })
    .from(auditLogs)
    .where(eq(auditLogs.organizationId, organizationId))
    .orderBy(asc(auditLogs.action));
  return { actors, actions: actions.map((a) => a.action) };
}
