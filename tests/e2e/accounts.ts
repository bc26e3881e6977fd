// Getting a signed-in browser for a fresh account, whatever sign-up does before the email is verified:
// sign up, open the verification link from the outbox, and sign in if that did not already.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { baseUrl, visit } from './fixtures';
import type { openOutbox } from './outbox';

export interface Person {
  name: string;
  email: string;
  password: string;
}

export async function signUpAndIn(page: Page, who: Person, outbox: ReturnType<typeof openOutbox>) {
  await visit(page, '/signup');
  await page.getByLabel('Name').fill(who.name);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
  if (outbox) await visit(page, new URL(await outbox.link(who.email, 'verify-email')).pathname);
  await page.goto('/orgs');
  if (new URL(page.url()).pathname === '/login') {
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    // exact: the page also has "Sign in with a passkey".
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  }
}

/** A plain form POST from a signed-in JavaScript page (same Origin, its cookies); the final path. */
export async function postForm(page: Page, path: string, form: Record<string, string>): Promise<string> {
  const { status, url } = await page.evaluate(
    async ([path, form]) => {
      const res = await fetch(path, { method: 'POST', body: new URLSearchParams(form) });
      return { status: res.status, url: res.url };
    },
    [path, form] as const,
  );
  expect(status, `POST ${path} ${JSON.stringify(form)}`).toBeLessThan(400);
  const landed = new URL(url, baseUrl()).pathname;
  expect(landed, `POST ${path} was sent to sign in`).not.toBe('/login');
  return landed;
}
