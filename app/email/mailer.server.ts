// Transports: SMTP (nodemailer) when SMTP_URL is set, else a development transport that prints the
// email (with its link) to the console. Tests install their own transport with setTransport().
import nodemailer from 'nodemailer';
import { env } from '~/env.server';
import type { RenderedEmail } from './templates.server';

export interface OutgoingEmail extends RenderedEmail {
  to: string;
  from: string;
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
}

export function transport(): Transport {
  if (override) return override;
  const url = env().SMTP_URL;
  configured ??= url ? smtpTransport(url) : consoleTransport;
  return configured;
}
