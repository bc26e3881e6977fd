// Digital downloads (issue 13 §6). A buyer's COMPLETED orders of DIGITAL_DOWNLOAD products list their files
// on /account/downloads. A download goes through a signed, short-lived URL (/downloads/<token>, HMAC-SHA256
// over item, file, user and expiry), and serving it counts against the item's download_limit (-1 =
// unlimited) and its access window (access_expires_at, else completed_at + access_duration days; none =
// lifetime). The count is taken under the order item's row lock, so two parallel clicks cannot both take
// the last download. Files come from the FileStore (app/store/storage.server.ts).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { and, asc, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit, userActor } from '~/audit/audit.server';
import { secret } from '~/env.server';
import { Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { orderItems, orders, products } from '~db/schema';
import { type FileStore, fileStore, isValidStorageKey } from './storage.server';

/** How long a signed download URL works. Short: it is made the moment the buyer clicks. */
export const DOWNLOAD_LINK_TTL_SECONDS = 300;
const DAY_MS = 86_400_000;

export const DOWNLOAD_NOT_FOUND = 'Download not found';

// ---- products.files ----------------------------------------------------------------------------------

const fileEntry = z.union([
  z.string().transform((key) => ({ name: key.split('/').pop() ?? key, key })),
  z.object({ name: z.string().min(1).optional(), key: z.string().min(1) }).transform((f) => ({
    name: f.name ?? f.key.split('/').pop() ?? f.key,
    key: f.key,
  })),
]);

export interface ProductFile {
  name: string;
  key: string;
}

/** The downloadable files of a product (products.files: [{ name, key }], keys inside the FileStore). */
export function productFiles(files: unknown): ProductFile[] {
  if (!Array.isArray(files)) return [];
  return files.flatMap((f) => {
    const parsed = fileEntry.safeParse(f);
    return parsed.success && isValidStorageKey(parsed.data.key) ? [parsed.data] : [];
  });
}

// ---- access rules ------------------------------------------------------------------------------------

interface AccessFacts {
  downloadCount: number;
  downloadLimit: number | null;
  accessExpiresAt: Date | null;
  accessDuration: number | null;
  completedAt: Date | null;
}

/** When access ends (null = lifetime): the item's own date, else completed_at + access_duration days. */
export function accessEndsAt(f: AccessFacts): Date | null {
  if (f.accessExpiresAt) return f.accessExpiresAt;
  if (f.accessDuration === null || f.accessDuration === undefined || !f.completedAt) return null;
  return new Date(f.completedAt.getTime() + f.accessDuration * DAY_MS);
}

/** Downloads left (null = unlimited). */
export function downloadsLeft(f: AccessFacts): number | null {
  const limit = f.downloadLimit ?? -1;
  return limit === -1 ? null : Math.max(0, limit - f.downloadCount);
}

/** Why a download is refused now, or null when it may go ahead. */
export function refusalOf(f: AccessFacts, now = new Date()): string | null {
  const ends = accessEndsAt(f);
  if (ends && ends.getTime() <= now.getTime())
    return `Access to this download ended on ${ends.toISOString().slice(0, 10)}.`;
  if (downloadsLeft(f) === 0) return `The download limit of ${f.downloadLimit} is reached for this purchase.`;
  return null;
}

// ---- signed links ------------------------------------------------------------------------------------

interface LinkClaims {
  itemId: string;
  file: number;
  userId: string;
  expiresAt: number;
}

/** A key of its own, derived from SESSION_SECRET, so a download signature is never valid elsewhere. */
const signingKey = () =>
  createHash('sha256')
    .update(`store-downloads:${secret('SESSION_SECRET')}`)
    .digest();

const sign = (payload: string) => createHmac('sha256', signingKey()).update(payload).digest('base64url');

export function signDownloadToken(claims: LinkClaims): string {
  const payload = `${claims.itemId}.${claims.file}.${claims.userId}.${claims.expiresAt}`;
  return `${payload}.${sign(payload)}`;
}

const TOKEN = /^([a-z0-9_-]{1,64})\.(\d{1,3})\.([a-z0-9_-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/i;

/** The claims of a genuine, unexpired token; Forbidden for a forged, altered or expired one. */
export function verifyDownloadToken(token: string, now = Date.now()): LinkClaims {
  const m = TOKEN.exec(token);
  if (!m) throw new Forbidden('This download link is not valid.');
  const [, itemId, file, userId, expiresAt, signature] = m as unknown as string[];
  const payload = `${itemId}.${file}.${userId}.${expiresAt}`;
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(signature!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new Forbidden('This download link is not valid.');
  if (Number(expiresAt) * 1000 <= now)
    throw new Forbidden('This download link has expired. Open My downloads for a new one.');
  return { itemId: itemId!, file: Number(file), userId: userId!, expiresAt: Number(expiresAt) };
}

// ---- the buyer's downloads ---------------------------------------------------------------------------

const itemColumns = {
  itemId: orderItems.id,
  downloadCount: orderItems.downloadCount,
  accessExpiresAt: orderItems.accessExpiresAt,
  orderId: orders.id,
  orderNumber: orders.orderNumber,
  orderStatus: orders.status,
  userId: orders.userId,
  completedAt: orders.completedAt,
  productId: products.id,
  productName: products.name,
  productSlug: products.slug,
  downloadLimit: products.downloadLimit,
  accessDuration: products.accessDuration,
  files: products.files,
};

export interface DownloadView {
  itemId: string;
  orderNumber: string;
  productName: string;
  productSlug: string;
  purchasedAt: string | null;
  downloadCount: number;
  downloadsLeft: number | null;
  accessEndsAt: string | null;
  refusal: string | null;
  files: { index: number; name: string }[];
}

/** The signed-in user's downloads: the files of their COMPLETED orders' digital products, newest first. */
export async function listDownloads(db: Database, actor: Actor, now = new Date()): Promise<DownloadView[]> {
  if (!actor.userId) throw new Forbidden('Sign in to see your downloads.');
  const rows = await db
    .select(itemColumns)
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .innerJoin(products, eq(products.id, orderItems.productId))
    .where(
      and(
        eq(orders.userId, actor.userId),
        eq(orders.status, 'COMPLETED'),
        eq(products.type, 'DIGITAL_DOWNLOAD'),
      ),
    )
    .orderBy(desc(orders.completedAt), desc(orders.createdAt), asc(orderItems.id));
  return rows.map((r) => ({
    itemId: r.itemId,
    orderNumber: r.orderNumber,
    productName: r.productName,
    productSlug: r.productSlug,
    purchasedAt: r.completedAt?.toISOString() ?? null,
    downloadCount: r.downloadCount,
    downloadsLeft: downloadsLeft(r),
    accessEndsAt: accessEndsAt(r)?.toISOString() ?? null,
    refusal: refusalOf(r, now),
    files: productFiles(r.files).map((f, index) => ({ index, name: f.name })),
  }));
}

export const downloadRequestSchema = z.object({
  itemId: z.string({ required_error: 'Choose a download.' }).min(1, 'Choose a download.').max(64),
  file: z.coerce.number({ invalid_type_error: 'Choose a file.' }).int().min(0).max(999),
});

async function ownedItem(db: Database, userId: string, itemId: string, lock: boolean) {
  const query = db
    .select(itemColumns)
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .innerJoin(products, eq(products.id, orderItems.productId))
    .where(
      and(
        eq(orderItems.id, itemId),
        eq(orders.userId, userId),
        eq(orders.status, 'COMPLETED'),
        eq(products.type, 'DIGITAL_DOWNLOAD'),
      ),
    );
  const [row] = lock ? await query.for('update', { of: orderItems }) : await query;
  if (!row) throw new NotFound(DOWNLOAD_NOT_FOUND);
  return row;
}

/**
 * A signed URL for one file of one of the user's purchases (nothing is counted yet: the download is
 * counted when the URL is fetched). Refused when the limit is reached or access has ended.
 */
export async function createDownloadLink(
  db: Database,
  actor: Actor,
  input: z.input<typeof downloadRequestSchema>,
  now = new Date(),
): Promise<string> {
  if (!actor.userId) throw new Forbidden('Sign in to download.');
  const parsed = downloadRequestSchema.safeParse(input);
  if (!parsed.success) throw new ValidationFailed(parsed.error.issues[0]?.message ?? 'Choose a file.');
  const { itemId, file } = parsed.data;
  const row = await ownedItem(db, actor.userId, itemId, false);
  if (!productFiles(row.files)[file]) throw new NotFound(DOWNLOAD_NOT_FOUND);
  const refusal = refusalOf(row, now);
  if (refusal) throw new Forbidden(refusal);
  const expiresAt = Math.floor(now.getTime() / 1000) + DOWNLOAD_LINK_TTL_SECONDS;
  return `/downloads/${signDownloadToken({ itemId, file, userId: actor.userId, expiresAt })}`;
}

export interface ServedDownload {
  name: string;
  size: number;
  body: ReadableStream<Uint8Array>;
}

/**
 * Serves a signed URL: verifies it, then, under the order item's lock, checks the limit and the access
 * window again, counts the download and writes its audit row. A missing file counts nothing.
 */
export async function serveDownload(
  db: Database,
  token: string,
  options: { now?: Date; store?: FileStore; request?: Request } = {},
): Promise<ServedDownload> {
  const now = options.now ?? new Date();
  const store = options.store ?? fileStore();
  const claims = verifyDownloadToken(token, now.getTime());
  const file = await db.transaction(async (tx) => {
    const row = await ownedItem(tx, claims.userId, claims.itemId, true);
    const file = productFiles(row.files)[claims.file];
    if (!file) throw new NotFound(DOWNLOAD_NOT_FOUND);
    const refusal = refusalOf(row, now);
    if (refusal) throw new Forbidden(refusal);
    if ((await store.stat(file.key)) === null) throw new NotFound('This file is not available right now.');
    await tx
      .update(orderItems)
      .set({ downloadCount: row.downloadCount + 1 })
      .where(eq(orderItems.id, row.itemId));
    await recordAudit(tx, userActor(claims.userId, options.request), {
      action: 'store_download.served',
      entityType: 'order_item',
      entityId: row.itemId,
      oldValues: { downloadCount: row.downloadCount },
      newValues: { downloadCount: row.downloadCount + 1, file: file.name, product: row.productName },
      metadata: { orderNumber: row.orderNumber },
    });
    return file;
  });
  const stored = await store.get(file.key);
  if (!stored) throw new NotFound('This file is not available right now.');
  return { name: file.name, size: stored.size, body: stored.body };
}
