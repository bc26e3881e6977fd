// Email templates: each renders a subject, an HTML body and a plain-text body from its data.
// `link` is the one secret a template may carry; it is stored encrypted until the email is sent.
import { env } from '~/env.server';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function layout(
  title: string,
  paragraphs: string[],
  action?: { label: string; url: string },
): { html: string; text: string } {
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;max-width:560px;margin:auto;padding:24px">
<h1 style="font-size:20px">${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${action ? `<p><a href="${escapeHtml(action.url)}" style="display:inline-block;background:#4338ca;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p><p style="font-size:12px;color:#475569">Or paste this link into your browser: ${escapeHtml(action.url)}</p>` : ''}
<p style="font-size:12px;color:#475569">— SaaS Platform</p></body></html>`;
  const text = [
    title,
    '',
    ...paragraphs,
    ...(action ? ['', `${action.label}: ${action.url}`] : []),
    '',
    '— SaaS Platform',
  ].join('\n');
  return { html, text };
}

type TemplateData = Record<string, unknown> & { link?: string };

const str = (v: unknown, fallback = '') => (typeof v === 'string' ? v : fallback);

export const TEMPLATES = {
  'verify-email': (d: TemplateData): RenderedEmail => ({
    subject: 'Confirm your email address',
    ...layout(
      'Confirm your email address',
      [
        `Hi ${str(d.name, 'there')},`,
        'Please confirm your email address. The link is valid for 24 hours.',
        'If you did not create an account, ignore this email: nothing happens without the link.',
      ],
      { label: 'Confirm email', url: str(d.link) },
    ),
  }),
  // Someone signed up with an address that already has an account: the page answered as for a new
  // address (no enumeration), and the owner hears about it here. No token: the links are public pages.
  'account-exists': (d: TemplateData): RenderedEmail => ({
    subject: 'You already have an account',
    ...layout(
      'You already have an account',
      [
        `Hi ${str(d.name, 'there')},`,
        'Someone tried to create an account with this email address, which already has one. Nothing was changed.',
        `If it was you, sign in instead. Forgot your password? Choose a new one at ${str(d.resetUrl, env().APP_URL)}.`,
        'If it was not you, you can ignore this email.',
      ],
      { label: 'Sign in', url: str(d.signInUrl, env().APP_URL) },
    ),
  }),
  'reset-password': (d: TemplateData): RenderedEmail => ({
    subject: 'Reset your password',
    ...layout(
      'Reset your password',
      [
        'Someone asked to reset the password of this account. The link is valid for 1 hour.',
        'If it was not you, ignore this email: your password stays as it is.',
      ],
      { label: 'Choose a new password', url: str(d.link) },
    ),
  }),
  invitation: (d: TemplateData): RenderedEmail => ({
    subject: `You are invited to join ${str(d.organizationName, 'an organization')}`,
    ...layout(
      `Join ${str(d.organizationName, 'an organization')}`,
      [
        `${str(d.inviterName, 'A member')} invited you to join ${str(d.organizationName)} as ${str(d.role, 'member').toLowerCase()}.`,
        `The invitation expires ${str(d.expiresAt, 'soon')}.`,
      ],
      { label: 'View invitation', url: str(d.link) },
    ),
  }),
  'trial-ending': (d: TemplateData): RenderedEmail => ({
    subject: 'Your trial ends in 3 days',
    ...layout(
      'Your trial ends in 3 days',
      [`The trial of ${str(d.organizationName)} ends on ${str(d.trialEnd)}.`],
      {
        label: 'Review billing',
        url: str(d.link, env().APP_URL),
      },
    ),
  }),
  invoice: (d: TemplateData): RenderedEmail => ({
    subject: `Invoice ${str(d.invoiceNumber)}`,
    ...layout(`Invoice ${str(d.invoiceNumber)}`, [`An invoice of ${str(d.amount)} is due ${str(d.dueAt)}.`], {
      label: 'View and pay',
      url: str(d.link),
    }),
  }),
  // Stripe charged the organization (invoice.paid); the invoice page is Stripe's hosted one.
  'payment-receipt': (d: TemplateData): RenderedEmail => ({
    subject: `Receipt: ${str(d.amount)} paid for ${str(d.organizationName, 'your organization')}`,
    ...layout(
      `Thank you: ${str(d.amount)} received`,
      [
        `Hi ${str(d.name, 'there')},`,
        `We received ${str(d.amount)} for ${str(d.organizationName, 'your organization')} (invoice ${str(d.invoiceNumber, '—')}).`,
        ...(str(d.invoiceUrl) ? [`The invoice is at ${str(d.invoiceUrl)}.`] : []),
      ],
      { label: 'View billing', url: str(d.billingUrl, env().APP_URL) },
    ),
  }),
  // invoice.payment_failed: the card was declined; the billing page links to Stripe's portal.
  'payment-failed': (d: TemplateData): RenderedEmail => ({
    subject: `Payment failed for ${str(d.organizationName, 'your organization')}`,
    ...layout(
      'Your payment did not go through',
      [
        `Hi ${str(d.name, 'there')},`,
        `We could not collect ${str(d.amount)} for ${str(d.organizationName, 'your organization')} (invoice ${str(d.invoiceNumber, '—')}).`,
        'Stripe retries the payment over the next days. Update the payment method to keep the plan.',
      ],
      { label: 'Update payment method', url: str(d.billingUrl, env().APP_URL) },
    ),
  }),
  // Grace periods (issue 11 §8): the billing account's state changed.
  'account-overdue': (d: TemplateData): RenderedEmail => ({
    subject: `Payment overdue for ${str(d.organizationName, 'your organization')}`,
    ...layout(
      'An invoice is overdue',
      [
        `Hi ${str(d.name, 'there')},`,
        `An invoice of ${str(d.organizationName, 'your organization')} is past its due date.`,
        `Please pay it within ${String(d.graceDays ?? 14)} days to keep your services running.`,
      ],
      { label: 'View invoices', url: str(d.billingUrl, env().APP_URL) },
    ),
  }),
  'account-suspended': (d: TemplateData): RenderedEmail => ({
    subject: `${str(d.organizationName, 'Your organization')} is suspended`,
    ...layout(
      'Your account is suspended',
      [
        `Hi ${str(d.name, 'there')},`,
        `${str(d.organizationName, 'Your organization')} has invoices unpaid past the grace period, so its services are suspended.`,
        'Paying what is overdue restores everything at once.',
      ],
      { label: 'Pay now', url: str(d.billingUrl, env().APP_URL) },
    ),
  }),
  'account-restored': (d: TemplateData): RenderedEmail => ({
    subject: `${str(d.organizationName, 'Your organization')} is active again`,
    ...layout(
      'Thank you: your account is active again',
      [
        `Hi ${str(d.name, 'there')},`,
        `The overdue invoices of ${str(d.organizationName, 'your organization')} are paid; its services are running again.`,
      ],
      { label: 'View billing', url: str(d.billingUrl, env().APP_URL) },
    ),
  }),
  // A paid store order (issue 13 §3): the buyer's receipt; the order page is not a secret.
  'order-receipt': (d: TemplateData): RenderedEmail => ({
    subject: `Receipt for order ${str(d.orderNumber)}: ${str(d.total)}`,
    ...layout(
      `Thank you for your order ${str(d.orderNumber)}`,
      [
        `Hi ${str(d.name, 'there')},`,
        `We received ${str(d.total)} for order ${str(d.orderNumber)}.`,
        ...(Array.isArray(d.lines) ? d.lines.map((l) => str(l)) : []),
      ],
      { label: 'View the order', url: str(d.orderUrl, env().APP_URL) },
    ),
  }),
  // A staff reply to a support ticket; the ticket's address is not a secret, so it is plain data.
  'support-reply': (d: TemplateData): RenderedEmail => ({
    subject: `New reply to your ticket: ${str(d.subject)}`,
    ...layout(
      `New reply to “${str(d.subject)}”`,
      [
        `Hi ${str(d.name, 'there')},`,
        `Our support team replied to your ticket in ${str(d.organizationName, 'your organization')}:`,
        str(d.message),
      ],
      { label: 'View the ticket', url: str(d.ticketUrl, env().APP_URL) },
    ),
  }),
  // Issue 15: a second factor was added or removed (every other session was signed out with it).
  'second-factor-changed': (d: TemplateData): RenderedEmail => {
    const factor = `${str(d.factor, 'a second factor')}${str(d.factorName) ? ` (“${str(d.factorName)}”)` : ''}`;
    const verb = d.added === true ? 'added to' : 'removed from';
    return {
      subject:
        d.added === true
          ? 'A sign-in method was added to your account'
          : 'A sign-in method was removed from your account',
      ...layout(
        d.added === true ? 'A sign-in method was added' : 'A sign-in method was removed',
        [
          `Hi ${str(d.name, 'there')},`,
          `${factor[0]?.toUpperCase() ?? ''}${factor.slice(1)} was ${verb} your account from ${str(d.device, 'a browser')}${str(d.ipAddress) ? ` (${str(d.ipAddress)})` : ''}. Every other session was signed out.`,
          'If this was not you, reset your password now and check your security settings.',
        ],
        { label: 'Security settings', url: str(d.securityUrl, env().APP_URL) },
      ),
    };
  },
  // Issue 15: a user with a second factor signed in from a device that never signed in before.
  'new-sign-in': (d: TemplateData): RenderedEmail => ({
    subject: 'New sign-in to your account',
    ...layout(
      'New sign-in to your account',
      [
        `Hi ${str(d.name, 'there')},`,
        `Your account was just signed in from ${str(d.device, 'a new device')}${str(d.ipAddress) ? ` at ${str(d.ipAddress)}` : ''}.`,
        `Browser: ${str(d.userAgent, 'unknown')}`,
        'If this was you, there is nothing to do. If not, sign that session out and change your password.',
      ],
      { label: 'Review your sessions', url: str(d.securityUrl, env().APP_URL) },
    ),
  }),
  // Email change (issue 15 §5): the link goes to the new address; the old one is told, twice.
  'email-change-verify': (d: TemplateData): RenderedEmail => ({
    subject: 'Confirm your new email address',
    ...layout(
      'Confirm your new email address',
      [
        `Hi ${str(d.name, 'there')},`,
        'You asked to sign in with this address from now on. Open the link to confirm it; it is valid for 24 hours.',
        'Until then you keep signing in with your current address. If you did not ask for this, ignore this email.',
      ],
      { label: 'Confirm new address', url: str(d.link) },
    ),
  }),
  'email-change-requested': (d: TemplateData): RenderedEmail => ({
    subject: 'A change of your sign-in email was requested',
    ...layout(
      'A change of your sign-in email was requested',
      [
        `Hi ${str(d.name, 'there')},`,
        `Someone signed in to your account asked to change its email to ${str(d.newEmail, 'another address')}. Nothing changes until that address confirms it; you keep signing in with this one.`,
        'If it was not you, change your password and cancel the change in your settings.',
      ],
      { label: 'Review your settings', url: str(d.securityUrl, env().APP_URL) },
    ),
  }),
  'email-changed': (d: TemplateData): RenderedEmail => ({
    subject: 'Your sign-in email was changed',
    ...layout('Your sign-in email was changed', [
      `Hi ${str(d.name, 'there')},`,
      `Your account now signs in with ${str(d.newEmail, 'another address')}; this address no longer does.`,
      `If it was not you, reset your password from the new address or contact support: ${str(d.resetUrl, env().APP_URL)}`,
    ]),
  }),
  // Someone asked to move their account to an address that already has one: no link, only this notice.
  'email-change-address-taken': (d: TemplateData): RenderedEmail => ({
    subject: 'Someone tried to use your email address',
    ...layout('Someone tried to use your email address', [
      `Hi ${str(d.name, 'there')},`,
      'Someone asked to move another account to this email address, which already has an account. Nothing was changed.',
      'If it was you, sign in with this address instead. If not, you can ignore this email.',
    ]),
  }),
} as const;

export type TemplateName = keyof typeof TEMPLATES;

export function renderEmail(template: string, data: TemplateData): RenderedEmail {
  const render = (TEMPLATES as Record<string, (d: TemplateData) => RenderedEmail>)[template];
  if (!render) throw new Error(`unknown email template ${template}`);
  return render(data);
}
