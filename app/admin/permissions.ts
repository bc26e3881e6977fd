// SPEC §2's platform staff matrix as data (like app/orgs/permissions.ts for organizations): ADMIN may do
// everything in the admin area; SUPPORT reads users and organizations, works the support queue and reads
// the email log — never refunds, credits, payments, plans or settings. app/admin/permissions.test.ts
// iterates every cell. No imports: this module reaches the browser.
export const STAFF_ROLES = ['ADMIN', 'SUPPORT'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

const cell = (description: string, admin: boolean, support: boolean) => ({
  description,
  allowed: { ADMIN: admin, SUPPORT: support } as Record<StaffRole, boolean>,
});

export const STAFF_PERMISSIONS = {
  'users:read': cell('see users', true, true),
  'users:suspend': cell('suspend and restore users', true, false),
  'users:impersonate': cell('view the product as a user', true, false),
  'organizations:read': cell('see organizations, their billing and usage', true, true),
  'tickets:work': cell('reply to, assign and change the status of support tickets', true, true),
  'money:move': cell(
    'record payments, issue credits and refunds, void invoices, manage services',
    true,
    false,
  ),
  'plans:manage': cell('edit and retire plans', true, false),
  'store:manage': cell('manage store products, prices, categories and discounts', true, false),
  'apps:manage': cell('manage apps whose organization was deleted', true, false),
  'settings:manage': cell('change system settings', true, false),
  'email-log:read': cell('read the email log', true, true),
  'email-log:resend': cell('send a failed email again', true, false),
  'webhooks:reprocess': cell('re-process a webhook event', true, false),
  'operations:read': cell('see cron runs, the webhook ledger and the audit log', true, false),
  'analytics:read': cell('see the business analytics', true, false),
} as const;

export type StaffAction = keyof typeof STAFF_PERMISSIONS;
export const STAFF_ACTIONS = Object.keys(STAFF_PERMISSIONS) as StaffAction[];

export function staffCan(role: StaffRole, action: StaffAction): boolean {
  return STAFF_PERMISSIONS[action].allowed[role];
}

export function staffForbiddenMessage(role: StaffRole, action: StaffAction): string {
  const who = role === 'SUPPORT' ? 'Support staff' : 'Your staff role';
  return `${who} cannot ${STAFF_PERMISSIONS[action].description}; ask a platform administrator.`;
}
