// The scheduler authenticates with `Authorization: Bearer <CRON_SECRET>`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { secret } from '~/env.server';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time: both sides are hashed to 32 bytes first, so neither content nor length leaks. */
export function isCronRequestAuthorized(request: Request): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), digest(secret('CRON_SECRET')));
}
