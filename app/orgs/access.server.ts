// Who may do what in an organization. `authorize` is the domain layer's check (inside the transaction
// that writes); `requireMember` is the route's guard. Both answer 404 to non-members (SPEC §7: a tenant
// never learns what another tenant has) and 403 with an explanation to members whose role may not.
import { data, redirect } from '@remix-run/node';
import { and, eq } from 'drizzle-orm';
import { type Actor, userActor } from '~/audit/audit.server';
import { requireUser } from '~/auth/sessions.server';
import { Forbidden, NotFound } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { billingAccounts, organizationMembers, organizations, subscriptions } from '~db/schema';
import { type Action, can, forbiddenMessage, type MemberRole } from './permissions';

export interface OrganizationRef {
  id: string;
  name: string;
  slug: string;
}

export interface Authorized {
  organization: OrganizationRef;
  role: MemberRole;
  memberId: string;
}

export const ORGANIZATION_NOT_FOUND = 'Organization not found';

/** The actor of an organization page: the membership its route guard loaded rides along. */
export type MemberActor = Actor & { userId: string; membership: Authorized };

/**
 * Locks the organization row (SELECT … FOR NO KEY UPDATE): every count-based rule (last OWNER, members and
 * modules limits) takes this lock first, so two transactions checking the same count run one after
 * the other (SPEC §3).
 */
export async function lockOrganization(tx: Database, organizationId: string): Promise<OrganizationRef> {
  const [organization] = await tx
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug })
    .from(organizations)
    .where(eq(organizations.id, organizationId))
    // NO KEY UPDATE: lockers serialize with each other, but inserts that merely reference the
    // organization (foreign-key checks take KEY SHARE, e.g. usage events) do not wait for them.
    .for('no key update');
  if (!organization) throw new NotFound(ORGANIZATION_NOT_FOUND);
  return organization;
}

/**
 * The actor's membership, checked against the matrix. With `lock`, the organization row is locked
 * first and the role is read after the lock, so a role changed by a concurrent transaction counts.
 */
export async function authorize(
  tx: Database,
  actor: Actor,
  organizationId: string,
  action: Action,
  options: { lock?: boolean } = {},
): Promise<Authorized> {
  if (!actor.userId) throw new Forbidden('Only a member of the organization can do this.');
  // A read in the request whose route guard just loaded this membership: no second lookup. Writes that
  // count (lock) always re-read the role after the lock.
  const verified = (actor as Partial<MemberActor>).membership;
  if (!options.lock && verified && verified.organization.id === organizationId) {
    if (!can(verified.role, action)) throw new Forbidden(forbiddenMessage(verified.role, action));
    return verified;
  }
  let organization: OrganizationRef | undefined;
  if (options.lock) organization = await lockOrganization(tx, organizationId);
  const [row] = await tx
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      role: organizationMembers.role,
      memberId: organizationMembers.id,
    })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(
      and(
        eq(organizationMembers.organizationId, organizationId),
        eq(organizationMembers.userId, actor.userId),
      ),
    );
  if (!row) throw new NotFound(ORGANIZATION_NOT_FOUND);
  if (!can(row.role, action)) throw new Forbidden(forbiddenMessage(row.role, action));
  return {
    organization: organization ?? { id: row.id, name: row.name, slug: row.slug },
    role: row.role,
    memberId: row.memberId,
  };
}

/** Same as authorize, but a second permission is needed too (e.g. changing a role to OWNER). */
export function assertCan(authorized: Authorized, action: Action): void {
  if (!can(authorized.role, action)) throw new Forbidden(forbiddenMessage(authorized.role, action));
}

/**
 * Route guard for `/o/:slug/…`: the signed-in user's membership of the organization with that slug.
 * Not signed in → redirect to sign-in; not a member (or no such slug) → 404; role may not → 403.
 */
export async function requireMember(
  request: Request,
  slug: string | undefined,
  action?: Action | null,
  options: {
    /** the layout: it shows the suspension banner; its child pages answer 402 */ allowSuspended?: boolean;
  } = {},
) {
  const auth = await requireUser(request);
  const db = auth.db;
  // The session query already loaded the membership of the path's organization (one statement).
  const known = slug && auth.pathMembership?.slug === slug ? auth.pathMembership.member : undefined;
  const member = known !== undefined ? known : slug ? await loadMembership(db, slug, auth.user.id) : null;
  if (!member) throw new Response(ORGANIZATION_NOT_FOUND, { status: 404, statusText: 'Not Found' });
  // The organization requires a second factor (issue 15): enroll first, then every page opens.
  if (member.requireTwoFactor && !auth.user.hasSecondFactor) {
    throw redirect(`/settings/security?${new URLSearchParams({ required: member.organization.slug })}`);
  }
  if (action && !can(member.role, action)) {
    throw new Response(forbiddenMessage(member.role, action), { status: 403, statusText: 'Forbidden' });
  }
  if (
    member.billingStatus === 'SUSPENDED' &&
    !options.allowSuspended &&
    !(action && OPEN_WHEN_SUSPENDED.has(action))
  ) {
    throw data(
      {
        suspended: true,
        billingPath: `/o/${member.organization.slug}/billing`,
        message: `${member.organization.name} is suspended: invoices are unpaid past the grace period. Paying what is overdue restores every page and service at once.`,
      },
      { status: 402, statusText: 'Payment Required' },
    );
  }
  return {
    db,
    auth,
    organization: member.organization as OrganizationRef,
    role: member.role,
    memberId: member.memberId,
    subscriptionStatus: member.subscriptionStatus,
    billingStatus: member.billingStatus,
    actor: { ...userActor(auth.user.id, request), userId: auth.user.id, membership: member } as MemberActor,
  };
}

async function loadMembership(db: Database, slug: string, userId: string) {
  const [row] = await db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      role: organizationMembers.role,
      memberId: organizationMembers.id,
      requireTwoFactor: organizations.requireTwoFactor,
      subscriptionStatus: subscriptions.status,
      billingStatus: billingAccounts.status,
    })
    .from(organizations)
    .innerJoin(
      organizationMembers,
      and(eq(organizationMembers.organizationId, organizations.id), eq(organizationMembers.userId, userId)),
    )
    .leftJoin(subscriptions, eq(subscriptions.organizationId, organizations.id))
    .leftJoin(billingAccounts, eq(billingAccounts.organizationId, organizations.id))
    .where(eq(organizations.slug, slug));
  if (!row) return null;
  return {
    organization: { id: row.id, name: row.name, slug: row.slug },
    role: row.role as MemberRole,
    memberId: row.memberId,
    subscriptionStatus: (row.subscriptionStatus as string | null) ?? null,
    billingStatus: (row.billingStatus as string | null) ?? null,
    requireTwoFactor: row.requireTwoFactor,
  };
}

export type MemberContext = Awaited<ReturnType<typeof requireMember>>;

/** What a suspended organization may still open (issue 11 §8): billing, its invoices, leaving. */
const OPEN_WHEN_SUSPENDED: ReadonlySet<Action> = new Set<Action>([
  'billing:view',
  'billing:portal',
  'billing:change-plan',
  'organization:leave',
]);
