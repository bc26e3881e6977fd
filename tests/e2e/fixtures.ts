// Reusable browser fixtures: one Chromium per test file, fresh contexts per test, axe on every page.
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';

export const baseUrl = () => inject('e2eBaseUrl') as string;

/** describe() that skips (with the reason in its name) when the browser harness is not available. */
export const describeBrowser = (name: string, fn: () => void) =>
  inject('e2eBaseUrl')
    ? describe(name, fn)
    : describe.skip(`${name} (no Chromium: browser tests skipped)`, fn);

export function useBrowser() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: inject('chromiumPath'),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
  });
  let devices = 0;
  const nextClientAddress = () => {
    devices += 1;
    return `198.51.${Math.floor(devices / 250) % 250}.${(devices % 250) + 1}`;
  };
  return {
    /** A page in a fresh context (own cookies); `javaScriptEnabled: false` proves forms work without JS. */
    async newPage(
      options: {
        javaScriptEnabled?: boolean;
        /** Cookies of another page's context: the same person, signed in. */
        signedInAs?: Page;
        viewport?: { width: number; height: number };
      } = {},
    ): Promise<Page> {
      if (!browser) throw new Error('browser not started');
      const context = await browser.newContext({
        baseURL: baseUrl(),
        javaScriptEnabled: options.javaScriptEnabled ?? true,
        storageState: options.signedInAs ? await options.signedInAs.context().storageState() : undefined,
        viewport: options.viewport,
        // Each context is its own device with its own address (the e2e server trusts one proxy hop), so
        // the per-IP sign-up and sign-in ceilings count people, not the whole suite on 127.0.0.1.
        extraHTTPHeaders: { 'x-forwarded-for': nextClientAddress() },
      });
      contexts.push(context);
      const page = await context.newPage();
      if (options.javaScriptEnabled === false) noScriptPages.set(page, browser);
      return page;
    },
  };
}

// Pages opened without JavaScript, and the browser that opened them: axe cannot run inside such a page,
// so it checks a copy of the page's DOM (scripts stripped) in a JavaScript-enabled one.
const noScriptPages = new WeakMap<Page, Browser>();

async function axePage(page: Page): Promise<{ target: Page; dispose(): Promise<void> }> {
  const browser = noScriptPages.get(page);
  if (!browser) return { target: page, dispose: async () => {} };
  const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '');
  const context = await browser.newContext({ baseURL: baseUrl(), javaScriptEnabled: true });
  const copy = await context.newPage();
  // Same origin, so the copy's stylesheets load exactly as the original's did.
  await copy.goto('/healthz');
  await copy.setContent(html, { waitUntil: 'load' });
  return { target: copy, dispose: () => context.close() };
}

/** Fails on serious or critical accessibility violations of the current page. */
export async function expectAccessible(page: Page) {
  const { target, dispose } = await axePage(page);
  try {
    const results = await new AxeBuilder({ page: target }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      `accessibility violations on ${page.url()}`,
    ).toEqual([]);
  } finally {
    await dispose();
  }
}

/** Navigates and asserts the response status; returns the page for chaining. */
export async function visit(page: Page, path: string, status = 200): Promise<Page> {
  const response = await page.goto(path);
  expect(response?.status(), `GET ${path}`).toBe(status);
  return page;
}

/**
 * Waits until Remix has hydrated the page. A click before that is a plain form post (the no-JavaScript
 * path), which is right for the pages but not what a test of the enhanced path means to exercise.
 */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => Boolean((window as { __remixRouter?: unknown }).__remixRouter));
}
