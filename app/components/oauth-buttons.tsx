// "Continue with GitHub / Google": plain links (GET /auth/:provider), so they work without JavaScript.
export function OAuthButtons({
  providers,
  redirectTo,
}: {
  providers: { id: string; label: string }[];
  redirectTo: string;
}) {
  if (providers.length === 0) return null;
  return (
    <div className="mt-6 space-y-2">
      <p className="text-center text-sm text-slate-600">or</p>
      {providers.map((p) => (
        <a
          key={p.id}
          href={`/auth/${p.id}?${new URLSearchParams({ redirectTo })}`}
          className="btn-secondary block w-full text-center"
        >
          Continue with {p.label}
        </a>
      ))}
    </div>
  );
}
