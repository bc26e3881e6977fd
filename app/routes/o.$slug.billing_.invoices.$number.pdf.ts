// GET /o/:slug/billing/invoices/:number/pdf: the invoice's PDF exactly as stored when it was finalized.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { invoicePdf } from '~/invoicing/invoices.server';
import { loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'billing:view');
  const pdf = await invoicePdf(db, actor, organization.id, String(params.number)).catch(loaderFailure);
  return new Response(new Uint8Array(pdf.content), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${pdf.number}.pdf"`,
      'Content-Length': String(pdf.content.length),
      'Cache-Control': 'private, no-store',
    },
  });
}
