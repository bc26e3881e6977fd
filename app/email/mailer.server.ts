// Transports: SMTP (nodemailer) when SMTP_URL is set, else a console transport. In development it prints
// the email with its link; anywhere else it logs only that an email was queued (to whom, which template):
// a reset, verification or invitation link in production logs is a live credential for whoever reads them.
// Tests install their own transport with setTransport().
import nodemailer from 'nodemailer';
import { env } from '~/env.server';
import type { RenderedEmail } from './templates.server';

export interface OutgoingEmail extends RenderedEmail {
  to: string;
  from: string;
  /** The template's name (for logs that must not show the body). */
  template?: string;
}

export interface Transport {
  name: string;
  send(email: OutgoingEmail): Promise<void>;
}

export const consoleTransport: Transport = {
  name: 'console',
  async send(email) {
    console.log(`\n[email] to ${email.to}: ${email.subject}\n${email.text}\n`);
  },
};

/** Outside development without SMTP: a line saying an email was queued, never its link or body. */
export const redactedConsoleTransport: Transport = {
  name: 'console-redacted',
  async send(email) {
    console.log(
      `[email] queued for ${email.to}: ${email.template ?? email.subject} (not delivered: SMTP_URL is not set)`,
    );
  },
};

function smtpTransport(url: string): Transport {
  const transporter = nodemailer.createTransport(url);
  return {
    name: 'smtp',
    async send(email) {
      await transporter.sendMail({
        from: email.from,
        to: email.to,
        subject: email.subject,
        html: email.html,
        text: email.text,
      });
    },
  };
}

let override: Transport | undefined;
let configured: Transport | undefined;

export function setTransport(transport: Transport | undefined): void {
  override = transport;
  configured = undefined;
}

export function transport(): Transport {
  if (override) return override;
  const url = env().SMTP_URL;
  configured ??= url
    ? smtpTransport(url)
    : env().NODE_ENV === 'development'
      ? consoleTransport
      : redactedConsoleTransport;
  return configured;
}
