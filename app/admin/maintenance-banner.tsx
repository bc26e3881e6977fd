// The banner signed-in users see while platform staff have maintenance mode on (system setting
// `maintenance.enabled`, read by the root loader), with where to write if something does not work.
import { useRouteLoaderData } from '@remix-run/react';

interface RootData {
  maintenance?: { supportEmail: string } | null;
}

export function MaintenanceBanner() {
  const maintenance = useRouteLoaderData<RootData>('root')?.maintenance;
  if (!maintenance) return null;
  return (
    <section
      aria-label="Maintenance"
      data-maintenance
      className="border-b border-sky-300 bg-sky-100 text-sky-950"
    >
      <p className="mx-auto max-w-6xl px-4 py-3 text-sm">
        <strong>Maintenance in progress.</strong> Some pages and actions may be slow or briefly unavailable.
        Questions? Write to{' '}
        <a href={`mailto:${maintenance.supportEmail}`} className="link">
          {maintenance.supportEmail}
        </a>
        .
      </p>
    </section>
  );
}
