// The audit log reads as sentences: one per action the app records (this test finds them in app/), names
// instead of ids, and a generic sentence for an action it does not know.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { AUDIT_SENTENCES, describeAuditEntry, listAuditLog } from './audit-log.server';
import { inviteMember } from './invitations.server';
import { changeRole } from './members.server';
import { addMember, createOrg } from './test-support';

function recordedActions(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
        for (const m of readFileSync(path, 'utf8').matchAll(/\baction: '([a-z_]+\.[a-z_]+)'/g))
          found.add(m[1]!);
    }
  };
  walk(join(__dirname, '..'));
  return [...found].sort();
}

const ada = { actorType: 'USER', actorName: 'Ada Lovelace', actorEmail: 'ada@example.com' };

describe('audit sentences', () => {
  const actions = recordedActions();

  it('finds the actions the app records', () => {
    expect(actions.length).toBeGreaterThan(40);
    expect(actions).toContain('member.role_changed');
  });

  for (const action of actions) {
    it(`${action} has its own sentence, without ids or JSON`, () => {
      expect(AUDIT_SENTENCES, `add a sentence for ${action}`).toHaveProperty([action]);
      const sentence = describeAuditEntry({ ...ada, action, entityType: 'thing', entityId: 'id-123' });
      expect(sentence).toMatch(/\.$/);
      expect(sentence).not.toMatch(/undefined|null|\[object|\{|id-123|recorded “/);
    });
  }

  it('says who did what to whom', () => {
    const known: Record<string, string> = {
      'member:m1': 'Bob',
      'user:u2': 'Carol',
      'api_key:k1': 'Exporter',
      'ticket:t1': 'Broken',
    };
    const names = (kind: string, id: string) => known[`${kind}:${id}`];
    const say = (e: Record<string, unknown>) =>
      describeAuditEntry({ ...ada, entityType: 'x', ...e } as never, names as never);
    expect(
      say({ action: 'invitation.created', newValues: { email: 'bob@example.com', role: 'MEMBER' } }),
    ).toBe('Ada Lovelace invited bob@example.com as MEMBER.');
    expect(
      say({
        action: 'member.role_changed',
        entityId: 'm1',
        oldValues: { role: 'MEMBER' },
        newValues: { role: 'ADMIN' },
      }),
    ).toBe('Ada Lovelace changed Bob’s role from MEMBER to ADMIN.');
    expect(
      say({
        action: 'member.role_changed',
        entityId: 'gone',
        oldValues: { role: 'MEMBER' },
        newValues: { role: 'ADMIN' },
      }),
    ).toBe('Ada Lovelace changed a former member’s role from MEMBER to ADMIN.');
    expect(say({ action: 'organization.ownership_transferred', newValues: { ownerUserId: 'u2' } })).toBe(
      'Ada Lovelace transferred ownership to Carol.',
    );
    expect(say({ action: 'api_key.revoked', entityId: 'k1' })).toBe(
      'Ada Lovelace revoked the API key “Exporter”.',
    );
    expect(
      say({
        action: 'subscription.plan_changed',
        oldValues: { plan: 'free' },
        newValues: { plan: 'monthly' },
      }),
    ).toBe('Ada Lovelace switched the plan from Free to Professional.');
    expect(say({ action: 'module.enabled', newValues: { moduleKey: 'crm' } })).toBe(
      'Ada Lovelace enabled the CRM module.',
    );
    expect(say({ action: 'support_ticket.closed', entityId: 't1' })).toBe('Ada Lovelace closed “Broken”.');
    expect(
      describeAuditEntry({
        actorType: 'SYSTEM',
        action: 'module.disabled',
        entityType: 'organization_module',
        oldValues: { moduleKey: 'crm' },
      }),
    ).toBe('The plan change disabled the CRM module.');
  });

  it('an unknown action falls back to a generic sentence', () => {
    expect(describeAuditEntry({ ...ada, action: 'team.archived', entityType: 'team' })).toBe(
      'Ada Lovelace recorded “team: archived” on team.',
    );
    expect(describeAuditEntry({ actorType: 'USER', action: 'x.y', entityType: 'x' })).toBe(
      'A former user recorded “x: y” on x.',
    );
  });
});

describe('audit log entries carry their sentence with names looked up', () => {
  const t = useTestDatabase();

  it('names the member whose role changed and the invited email', async () => {
    const { organization, owner } = await createOrg(t.db);
    await t.db.update(users).set({ name: 'Ada Lovelace' }).where(eq(users.id, owner.id));
    const bob = await addMember(t.db, organization.id, 'MEMBER');
    await t.db.update(users).set({ name: 'Bob' }).where(eq(users.id, bob.id));
    await changeRole(t.db, owner.actor, {
      organizationId: organization.id,
      memberId: bob.memberId,
      role: 'ADMIN',
    });
    await inviteMember(t.db, owner.actor, {
      organizationId: organization.id,
      email: 'carol@example.com',
      role: 'MEMBER',
    });
    const { entries } = await listAuditLog(t.db, owner.actor, organization.id, {});
    const sentences = entries.map((e) => e.sentence);
    expect(sentences).toContain('Ada Lovelace changed Bob’s role from MEMBER to ADMIN.');
    expect(sentences).toContain('Ada Lovelace invited carol@example.com as MEMBER.');
    expect(
      sentences.some((s) => s.startsWith('Ada Lovelace created the organization “Organization org-')),
    ).toBe(true);
  });
});
