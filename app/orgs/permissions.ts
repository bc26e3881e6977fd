// SPEC §2's organization permission matrix as data: one row per action, one cell per role. The domain
// layer checks it (authorize in access.server.ts), routes check it (requireMember), the UI hides what it
// forbids, and permissions.server.test.ts iterates over it, so a new action without a test fails.
// No imports: this module reaches the browser. ROLES equals the SQL enum member_role (db/schema/enums.ts).
export const ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'BILLING'] as const;
export type MemberRole = (typeof ROLES)[number];

interface ActionRule {
  /** What the action lets a member do, as the 403 page explains it. */
  description: string;
  allowed: Record<MemberRole, boolean>;
}

const row = (
  description: string,
  owner: boolean,
  admin: boolean,
  member: boolean,
  billing: boolean,
): ActionRule => ({
  description,
  allowed: { OWNER: owner, ADMIN: admin, MEMBER: member, BILLING: billing },
});

export const PERMISSIONS = {
  // view dashboard, members, teams, invitations, projects, modules, apps, rooms
  'organization:view': row(
    'see the organization’s dashboard, members, teams, projects and modules',
    true,
    true,
    true,
    false,
  ),
  // view usage, open and reply to the organization's support tickets, close their own
  'usage:view': row('see the organization’s usage', true, true, true, true),
  'tickets:use': row('open and reply to the organization’s support tickets', true, true, true, true),
  // create/edit/delete projects; create rooms; manage rooms they organize
  'projects:manage': row('create, edit and delete projects', true, true, true, false),
  'rooms:create': row('create rooms', true, true, true, false),
  'rooms:manage-own': row('manage the rooms they organize', true, true, true, false),
  // the same in any room; register, update and retire the organization's apps
  'rooms:manage-any': row('manage every room of the organization', true, true, false, false),
  'apps:manage': row('register, update and retire the organization’s apps', true, true, false, false),
  // edit settings; invite/remove members, change roles (except to/from OWNER), teams, modules, API keys
  'organization:edit': row('edit the organization’s settings', true, true, false, false),
  'members:invite': row('invite members and manage invitations', true, true, false, false),
  'members:remove': row('remove members', true, true, false, false),
  'members:change-role': row('change members’ roles', true, true, false, false),
  'teams:manage': row('manage teams', true, true, false, false),
  'modules:manage': row('enable and disable modules', true, true, false, false),
  'api-keys:manage': row('manage API keys', true, true, false, false),
  'audit:view': row('see the audit log', true, true, false, false),
  // view billing, invoices, payments; pay invoices; Stripe portal
  'billing:view': row('see billing, invoices and payments', true, true, false, true),
  'billing:portal': row('manage payment methods in the Stripe portal', true, true, false, true),
  'billing:change-plan': row('change the plan or cancel the subscription', true, true, false, false),
  // invite or remove an OWNER, change roles to/from OWNER, transfer ownership, delete the organization
  'owners:manage': row(
    'invite or remove owners, change roles to or from Owner, or transfer ownership',
    true,
    false,
    false,
    false,
  ),
  'organization:delete': row('delete the organization', true, false, false, false),
  // the last OWNER cannot leave: a rule (members.server.ts), not a permission
  'organization:leave': row('leave the organization', true, true, true, true),
} as const satisfies Record<string, ActionRule>;

export type Action = keyof typeof PERMISSIONS;
export const ACTIONS = Object.keys(PERMISSIONS) as Action[];

export function can(role: MemberRole, action: Action): boolean {
  return PERMISSIONS[action].allowed[role];
}

export const ROLE_LABELS: Record<MemberRole, string> = {
  OWNER: 'Owner',
  ADMIN: 'Admin',
  MEMBER: 'Member',
  BILLING: 'Billing',
};

/** The explanation of a 403: which role, and what it may not do. */
export function forbiddenMessage(role: MemberRole, action: Action): string {
  return `Your role (${ROLE_LABELS[role]}) does not allow you to ${PERMISSIONS[action].description}. Ask an owner or admin of the organization.`;
}

/** The role names a member may assign: OWNER only with owners:manage. */
export function assignableRoles(role: MemberRole): MemberRole[] {
  if (!can(role, 'members:change-role') && !can(role, 'members:invite')) return [];
  return ROLES.filter((r) => r !== 'OWNER' || can(role, 'owners:manage'));
}
