// OAuth sign-in with GitHub and Google through Arctic's generic OAuth2Client, so every endpoint comes from
// the environment (tests run the whole round trip against a local fake provider). State, and PKCE for
// Google, travel in a short-lived signed cookie (oauth-state.server.ts). No provider token is stored.
import { CodeChallengeMethod, generateCodeVerifier, generateState, OAuth2Client } from 'arctic';
import { and, eq } from 'drizzle-orm';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { type Env, env } from '~/env.server';
import { Conflict, Forbidden, NotFound, Unauthorized } from '~/lib/errors';
import { type Database, isUniqueViolation } from '~db/client.server';
import { accounts, users } from '~db/schema';
import { SIGN_UPS_CLOSED, signUpsOpenFor } from './accounts.server';
import { OAUTH_PROVIDERS, type OAuthProviderId, providerLabel } from './profile.server';
import { revokeAllAccess, voidOutstandingLinks } from './revocation.server';

export interface OAuthProfile {
  providerId: OAuthProviderId;
  /** The provider's stable user id (GitHub numeric id, Google `sub`). */
  accountId: string;
  email: string | null;
  /** Only a provider-verified email may link to an existing user. */
  emailVerified: boolean;
  name: string | null;
  image: string | null;
}

interface ProviderConfig {
  id: OAuthProviderId;
  client: OAuth2Client;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string[];
  pkce: boolean;
  fetchProfile(accessToken: string): Promise<OAuthProfile>;
}

export function isOAuthProviderId(id: string | undefined): id is OAuthProviderId {
  return (OAUTH_PROVIDERS as readonly string[]).includes(id ?? '');
}

async function getJson(url: string, accessToken: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: 'application/json',
      'User-Agent': 'saas-platform',
    },
  });
  if (!res.ok)
    throw new Unauthorized(
      `The provider refused to share your profile (HTTP ${res.status}). Please try again.`,
    );
  return res.json();
}

const str = (v: unknown): string | null =>
  typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : null;

function redirectUri(e: Env, id: OAuthProviderId): string {
  return new URL(`/auth/${id}/callback`, e.APP_URL).toString();
}

/** The configured provider, or null when it is unknown or has no client id (then it is hidden). */
export function oauthProvider(id: string | undefined, e: Env = env()): ProviderConfig | null {
  if (id === 'github' && e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET) {
    const api = e.GITHUB_API_URL.replace(/\/$/, '');
    return {
      id,
      client: new OAuth2Client(e.GITHUB_CLIENT_ID, e.GITHUB_CLIENT_SECRET, redirectUri(e, id)),
      authorizeUrl: e.GITHUB_AUTHORIZE_URL,
      tokenUrl: e.GITHUB_TOKEN_URL,
      scopes: ['read:user', 'user:email'],
      pkce: false,
      async fetchProfile(accessToken) {
        const user = (await getJson(`${api}/user`, accessToken)) as Record<string, unknown>;
        // /user's email is the public one and says nothing about verification; /user/emails does.
        const emails = (await getJson(`${api}/user/emails`, accessToken).catch(() => [])) as {
          email?: unknown;
          primary?: unknown;
          verified?: unknown;
        }[];
        const list = Array.isArray(emails) ? emails : [];
        const chosen =
          list.find((m) => m.primary && m.verified) ??
          list.find((m) => m.verified) ??
          list.find((m) => m.primary);
        const email = str(chosen?.email) ?? str(user.email);
        const accountId = str(user.id);
        if (!accountId) throw new Unauthorized('GitHub did not return an account id. Please try again.');
        return {
          providerId: 'github',
          accountId,
          email: email?.toLowerCase() ?? null,
          emailVerified: Boolean(chosen?.verified && str(chosen.email)),
          name: str(user.name) ?? str(user.login),
          image: str(user.avatar_url),
        };
      },
    };
  }
  if (id === 'google' && e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET) {
    return {
      id,
      client: new OAuth2Client(e.GOOGLE_CLIENT_ID, e.GOOGLE_CLIENT_SECRET, redirectUri(e, id)),
      authorizeUrl: e.GOOGLE_AUTHORIZE_URL,
      tokenUrl: e.GOOGLE_TOKEN_URL,
      scopes: ['openid', 'email', 'profile'],
      pkce: true,
      async fetchProfile(accessToken) {
        const info = (await getJson(e.GOOGLE_USERINFO_URL, accessToken)) as Record<string, unknown>;
        const accountId = str(info.sub);
        if (!accountId) throw new Unauthorized('Google did not return an account id. Please try again.');
        return {
          providerId: 'google',
          accountId,
          email: str(info.email)?.toLowerCase() ?? null,
          emailVerified: info.email_verified === true || info.email_verified === 'true',
          name: str(info.name),
          image: str(info.picture),
        };
      },
    };
  }
  return null;
}

export function enabledProviders(e: Env = env()): OAuthProviderId[] {
  return OAUTH_PROVIDERS.filter((id) => oauthProvider(id, e));
}

export interface OAuthStart {
  url: URL;
  state: string;
  codeVerifier: string | null;
}

export function startAuthorization(provider: ProviderConfig): OAuthStart {
  const state = generateState();
  if (provider.pkce) {
    const codeVerifier = generateCodeVerifier();
    const url = provider.client.createAuthorizationURLWithPKCE(
      provider.authorizeUrl,
      state,
      CodeChallengeMethod.S256,
      codeVerifier,
      provider.scopes,
    );
    return { url, state, codeVerifier };
  }
  return {
    url: provider.client.createAuthorizationURL(provider.authorizeUrl, state, provider.scopes),
    state,
    codeVerifier: null,
  };
}

/** Exchanges the callback's code (with the PKCE verifier for Google) and reads the profile. */
export async function completeAuthorization(
  provider: ProviderConfig,
  code: string,
  codeVerifier: string | null,
) {
  if (provider.pkce && !codeVerifier)
    throw new Unauthorized('The sign-in attempt expired. Please try again.');
  let accessToken: string;
  try {
    const tokens = await provider.client.validateAuthorizationCode(
      provider.tokenUrl,
      code,
      provider.pkce ? codeVerifier : null,
    );
    accessToken = tokens.accessToken();
  } catch {
    throw new Unauthorized(`${providerLabel(provider.id)} did not accept the sign-in. Please try again.`);
  }
  return provider.fetchProfile(accessToken);
}

export type OAuthOutcome = 'signed_in' | 'linked' | 'created';

/**
 * Finds or creates the user for a provider profile. Signed in (`currentUserId`): connects the provider to
 * that user. Otherwise: the connected user; else links to the user with the same email only when the
 * provider verified it (taking an unverified account over for the verified owner, ADR 0009); else
 * creates a user.
 */
export async function signInWithOAuth(
  db: Database,
  profile: OAuthProfile,
  options: { currentUserId?: string | null; context?: Omit<Actor, 'type' | 'userId'> } = {},
): Promise<{ user: typeof users.$inferSelect; outcome: OAuthOutcome }> {
  const label = providerLabel(profile.providerId);
  const context = options.context ?? {};
  try {
    return await db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ user: users })
        .from(accounts)
        .innerJoin(users, eq(users.id, accounts.userId))
        .where(and(eq(accounts.providerId, profile.providerId), eq(accounts.accountId, profile.accountId)));

      const finish = async (user: typeof users.$inferSelect, outcome: OAuthOutcome) => {
        if (user.deletedAt || user.status !== 'ACTIVE')
          throw new Unauthorized('This account cannot sign in.');
        if (outcome !== 'linked') {
          await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
          await recordAudit(
            tx,
            { ...context, type: 'USER', userId: user.id },
            {
              action: 'user.signed_in',
              entityType: 'user',
              entityId: user.id,
              metadata: { method: profile.providerId },
            },
          );
        }
        return { user, outcome };
      };
      const link = async (user: typeof users.$inferSelect) => {
        await tx
          .insert(accounts)
          .values({ userId: user.id, providerId: profile.providerId, accountId: profile.accountId });
        await recordAudit(
          tx,
          { ...context, type: 'USER', userId: user.id },
          {
            action: 'account.linked',
            entityType: 'account',
            entityId: `${profile.providerId}:${profile.accountId}`,
            metadata: { providerId: profile.providerId, emailVerified: profile.emailVerified },
          },
        );
      };

      /**
       * The provider verified the address of an account nobody ever verified: take the account over for
       * the address's owner. The password and providers that were set on it, its sessions, refresh and
       * access tokens, and its outstanding emailed links all go; the name is the provider's.
       */
      const claimUnverifiedAccount = async (user: typeof users.$inferSelect) => {
        const removed = await tx
          .delete(accounts)
          .where(eq(accounts.userId, user.id))
          .returning({ providerId: accounts.providerId });
        const revoked = await revokeAllAccess(tx, user.id);
        await voidOutstandingLinks(tx, user.email, 'EMAIL_VERIFICATION');
        await voidOutstandingLinks(tx, user.email, 'PASSWORD_RESET');
        const [claimed] = await tx
          .update(users)
          .set({
            emailVerifiedAt: new Date(),
            name: profile.name ?? user.name,
            image: profile.image?.startsWith('https://') ? profile.image : null,
          })
          .where(eq(users.id, user.id))
          .returning();
        if (!claimed) throw new Error('user update returned nothing');
        await recordAudit(
          tx,
          { ...context, type: 'USER', userId: user.id },
          {
            action: 'user.unverified_account_claimed',
            entityType: 'user',
            entityId: user.id,
            metadata: {
              providerId: profile.providerId,
              removedAccounts: removed.map((a) => a.providerId),
              ...revoked,
            },
          },
        );
        return claimed;
      };

      if (existing) {
        if (options.currentUserId && existing.user.id !== options.currentUserId) {
          throw new Conflict(`This ${label} account is already connected to another user.`);
        }
        return finish(existing.user, options.currentUserId ? 'linked' : 'signed_in');
      }

      if (options.currentUserId) {
        const [current] = await tx.select().from(users).where(eq(users.id, options.currentUserId));
        if (!current) throw new NotFound('User not found');
        const [already] = await tx
          .select({ id: accounts.id })
          .from(accounts)
          .where(and(eq(accounts.userId, current.id), eq(accounts.providerId, profile.providerId)));
        if (already)
          throw new Conflict(`Another ${label} account is already connected. Disconnect it first.`);
        await link(current);
        return finish(current, 'linked');
      }

      if (!profile.email) {
        throw new Unauthorized(
          `${label} did not share an email address. Add one to your ${label} account, or sign up with email.`,
        );
      }
      const [byEmail] = await tx.select().from(users).where(eq(users.email, profile.email));
      if (byEmail) {
        if (!profile.emailVerified) {
          throw new Conflict(
            `An account with ${profile.email} already exists, and ${label} has not verified that address. Sign in with your password, then connect ${label} under Settings → Connected accounts.`,
          );
        }
        // Account pre-hijacking (ADR 0009): an unverified account proved nothing about the address, so
        // whoever created it keeps no way in once the address's verified owner arrives.
        const owner = byEmail.emailVerifiedAt ? byEmail : await claimUnverifiedAccount(byEmail);
        await link(owner);
        return finish(owner, 'signed_in');
      }

      // A first sign-in creates an account: closed sign-ups refuse it (existing users above still get in);
      // an invitation's address still may, but only when the provider verified it.
      if (!(await signUpsOpenFor(tx, profile.emailVerified ? profile.email : null)))
        throw new Forbidden(SIGN_UPS_CLOSED);
      const [created] = await tx
        .insert(users)
        .values({
          email: profile.email,
          name: profile.name,
          image: profile.image?.startsWith('https://') ? profile.image : null,
          emailVerifiedAt: profile.emailVerified ? new Date() : null,
        })
        .returning();
      if (!created) throw new Error('user insert returned nothing');
      await tx
        .insert(accounts)
        .values({ userId: created.id, providerId: profile.providerId, accountId: profile.accountId });
      await recordAudit(
        tx,
        { ...context, type: 'USER', userId: created.id },
        {
          action: 'user.signed_up',
          entityType: 'user',
          entityId: created.id,
          newValues: { email: created.email, name: created.name },
          metadata: { method: profile.providerId, emailVerified: profile.emailVerified },
        },
      );
      return finish(created, 'created');
    });
  } catch (err) {
    // Two callbacks racing for the same provider account or email: the loser gets a clear message.
    if (isUniqueViolation(err))
      throw new Conflict(`This ${label} account was just connected. Please sign in again.`);
    throw err;
  }
}
