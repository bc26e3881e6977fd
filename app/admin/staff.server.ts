// Platform staff (SPEC §2): users.role ADMIN or SUPPORT. Every /admin URL answers 404 to anyone else, so the
// admin area's existence is not advertised (SPEC §7); a staff member whose role may not do something gets
// 403 with the reason (the matrix is app/admin/permissions.ts). Domain functions check again.
import { userActor } from '~/audit/audit.server';
import { getAuth } from '~/auth/sessions.server';
import { type StaffAction, type StaffRole, staffCan, staffForbiddenMessage } from './permissions';

export type { StaffRole };

export async function requireStaff(request: Request, action?: StaffAction) {
  // Not even a sign-in redirect: a visitor learns nothing about /admin either (SPEC §7).
  const auth = await getAuth(request);
  const role = auth?.user.role;
  if (!auth || (role !== 'ADMIN' && role !== 'SUPPORT'))
    throw new Response('Not Found', { status: 404, statusText: 'Not Found' });
  if (action && !staffCan(role, action))
    throw new Response(staffForbiddenMessage(role, action), { status: 403, statusText: 'Forbidden' });
  return {
    db: auth.db,
    auth,
    role: role as StaffRole,
    actor: { ...userActor(auth.user.id, request), userId: auth.user.id },
  };
}
