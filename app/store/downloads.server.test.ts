// Digital downloads (issue 13 §6): only the buyer's completed digital purchases, signed URLs that expire
// and cannot be altered, the download limit and the access window, and a limit that holds when two
// downloads race for the last one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser } from '~/orgs/test-support';
import { auditLogs, orderItems, orders } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { getPage, runRoute } from '../../tests/support/routes';
import {
  createDownloadLink,
  DOWNLOAD_LINK_TTL_SECONDS,
  listDownloads,
  serveDownload,
  signDownloadToken,
  verifyDownloadToken,
} from './downloads.server';
import { LocalFileStore } from './storage.server';
import { createCompletedOrder, createPublishedProduct } from './test-support';

const t = useAppTestDatabase();
const store = new LocalFileStore(mkdtempSync(join(tmpdir(), 'store-files-')));

async function digitalPurchase(options: { downloadLimit?: number; accessDuration?: number | null } = {}) {
  const buyer = await createUser(t.db);
  await store.put('guides/guide.pdf', 'PDF-BYTES');
  const product = await createPublishedProduct(t.db, {
    type: 'DIGITAL_DOWNLOAD',
    files: [{ name: 'Guide.pdf', key: 'guides/guide.pdf' }],
    downloadLimit: options.downloadLimit ?? -1,
    accessDuration: options.accessDuration ?? null,
  });
  const purchase = await createCompletedOrder(t.db, buyer.id, { product });
  return { buyer, ...purchase };
}

const tokenOf = (url: string) => url.replace('/downloads/', '');
const text = async (body: ReadableStream<Uint8Array>) => new Response(body).text();

describe('listing downloads', () => {
  it('lists the files of the buyer’s completed digital orders only', async () => {
    const { buyer, item } = await digitalPurchase({ downloadLimit: 3, accessDuration: 30 });
    const pending = await createCompletedOrder(t.db, buyer.id, {
      product: await createPublishedProduct(t.db, { files: ['a/b.zip'] }),
    });
    await t.db.update(orders).set({ status: 'PENDING' }).where(eq(orders.id, pending.order.id));
    await createCompletedOrder(t.db, buyer.id, {
      product: await createPublishedProduct(t.db, { type: 'SERVICE' }),
    });
    const list = await listDownloads(t.db, buyer.actor);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      itemId: item.id,
      downloadsLeft: 3,
      refusal: null,
      files: [{ index: 0, name: 'Guide.pdf' }],
    });
    expect(list[0]?.accessEndsAt).not.toBeNull();
    const stranger = await createUser(t.db);
    expect(await listDownloads(t.db, stranger.actor)).toEqual([]);
  });

  it('the page needs a signed-in user', async () => {
    const mod = await import('~/routes/account.downloads._index/route');
    const r = await runRoute(mod.loader, getPage('/account/downloads'), {});
    expect(r.status).toBe(302);
    expect(r.location).toMatch(/^\/login/);
  });
});

describe('signed download URLs', () => {
  it('serves the file once per fetch and counts it, with an audit row', async () => {
    const { buyer, item } = await digitalPurchase();
    const url = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 });
    expect(url).toMatch(/^\/downloads\//);
    const served = await serveDownload(t.db, tokenOf(url), { store });
    expect(served.name).toBe('Guide.pdf');
    expect(await text(served.body)).toBe('PDF-BYTES');
    const [row] = await t.db.select().from(orderItems).where(eq(orderItems.id, item.id));
    expect(row?.downloadCount).toBe(1);
    const audits = await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, item.id));
    expect(audits.map((a) => a.action)).toEqual(['store_download.served']);
  });

  it('refuses a tampered or forged token (403) and counts nothing', async () => {
    const { buyer, item } = await digitalPurchase();
    const token = tokenOf(await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 }));
    const [itemId, file, userId, exp, sig] = token.split('.');
    const tampered = [
      `${itemId}.${file}.${userId}.${Number(exp) + 3600}.${sig}`, // longer life
      `${itemId}.1.${userId}.${exp}.${sig}`, // another file
      `${itemId}.${file}.${userId}.${exp}.${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`,
      'junk',
      '',
    ];
    for (const bad of tampered)
      await expect(serveDownload(t.db, bad, { store })).rejects.toMatchObject({ status: 403 });
    const [row] = await t.db.select().from(orderItems).where(eq(orderItems.id, item.id));
    expect(row?.downloadCount).toBe(0);
  });

  it('an expired URL is refused (403) and the route answers 4xx, never 500', async () => {
    const { buyer, item } = await digitalPurchase();
    const issuedAt = new Date(Date.now() - (DOWNLOAD_LINK_TTL_SECONDS + 5) * 1000);
    const url = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 }, issuedAt);
    await expect(serveDownload(t.db, tokenOf(url), { store })).rejects.toThrow(/expired/);
    const mod = await import('~/routes/downloads.$token');
    for (const token of [tokenOf(url), 'x.y.z', '%00']) {
      const response = (await mod.loader({
        request: getPage(`/downloads/${token}`),
        params: { token },
        context: {},
      })) as Response;
      expect(response.status).toBe(403);
    }
  });

  it('a token is bound to its buyer: someone else’s item id in a genuine signature is not found', async () => {
    const a = await digitalPurchase();
    const b = await digitalPurchase();
    const token = signDownloadToken({
      itemId: b.item.id,
      file: 0,
      userId: a.buyer.id,
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    });
    expect(verifyDownloadToken(token).itemId).toBe(b.item.id);
    await expect(serveDownload(t.db, token, { store })).rejects.toMatchObject({ status: 404 });
    await expect(
      createDownloadLink(t.db, a.buyer.actor, { itemId: b.item.id, file: 0 }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('limit and expiry', () => {
  it('download_limit: the last allowed download works, the next is refused with the reason', async () => {
    const { buyer, item } = await digitalPurchase({ downloadLimit: 2 });
    for (let i = 0; i < 2; i++) {
      const url = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 });
      await serveDownload(t.db, tokenOf(url), { store });
    }
    await expect(createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 })).rejects.toThrow(
      'The download limit of 2 is reached for this purchase.',
    );
    const [view] = await listDownloads(t.db, buyer.actor);
    expect(view).toMatchObject({ downloadsLeft: 0, refusal: expect.stringMatching(/limit of 2/) });
  });

  it('a link made before the limit was reached is refused when fetched after it', async () => {
    const { buyer, item } = await digitalPurchase({ downloadLimit: 1 });
    const first = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 });
    const second = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 });
    await serveDownload(t.db, tokenOf(first), { store });
    await expect(serveDownload(t.db, tokenOf(second), { store })).rejects.toMatchObject({ status: 403 });
  });

  it('access_duration: refused once the days since purchase have passed', async () => {
    const { buyer, item } = await digitalPurchase({ accessDuration: 7 });
    const later = new Date(Date.now() + 8 * 86_400_000);
    await expect(createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 }, later)).rejects.toThrow(
      /Access to this download ended on/,
    );
    const url = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 });
    await expect(serveDownload(t.db, tokenOf(url), { store, now: later })).rejects.toMatchObject({
      status: 403,
    });
    // Without access_expires_at on the item, completed_at + access_duration decides.
    await t.db.update(orderItems).set({ accessExpiresAt: null }).where(eq(orderItems.id, item.id));
    await expect(createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 }, later)).rejects.toThrow(
      /ended/,
    );
  });

  it('a refunded (no longer COMPLETED) order has no downloads', async () => {
    const { buyer, item, order } = await digitalPurchase();
    const url = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 });
    await t.db.update(orders).set({ status: 'REFUNDED' }).where(eq(orders.id, order.id));
    await expect(serveDownload(t.db, tokenOf(url), { store })).rejects.toMatchObject({ status: 404 });
    expect(await listDownloads(t.db, buyer.actor)).toEqual([]);
  });

  it('a missing file counts nothing', async () => {
    const buyer = await createUser(t.db);
    const product = await createPublishedProduct(t.db, { files: [{ name: 'Gone', key: 'gone/x.bin' }] });
    const { item } = await createCompletedOrder(t.db, buyer.id, { product });
    const url = await createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 });
    await expect(serveDownload(t.db, tokenOf(url), { store })).rejects.toMatchObject({ status: 404 });
    const [row] = await t.db.select().from(orderItems).where(eq(orderItems.id, item.id));
    expect(row?.downloadCount).toBe(0);
  });

  itConcurrent('two parallel fetches cannot both take the last download', async () => {
    const { buyer, item } = await digitalPurchase({ downloadLimit: 1 });
    const urls = await Promise.all([
      createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 }),
      createDownloadLink(t.db, buyer.actor, { itemId: item.id, file: 0 }),
    ]);
    const results = await Promise.allSettled(urls.map((u) => serveDownload(t.db, tokenOf(u), { store })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [row] = await t.db.select().from(orderItems).where(eq(orderItems.id, item.id));
    expect(row?.downloadCount).toBe(1);
  });
});

describe('storage keys', () => {
  it('never leave the storage folder', async () => {
    for (const key of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'a\\b', ''])
      expect(await store.stat(key)).toBeNull();
    await expect(store.put('../escape', 'x')).rejects.toThrow(/Invalid storage key/);
  });
});
