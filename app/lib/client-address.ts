// The client's address, decided once at the edge of the server: X-Forwarded-For is believed only for
// as many proxy hops as TRUST_PROXY_HOPS says, so a client cannot pick a new IP per request (and slip
// past the per-IP sign-in throttle). Afterwards X-Forwarded-For holds exactly that one address, which
// is what clientIp() in app/audit/audit.server.ts reads.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The address `hops` trusted proxies in front of us saw: walk back from the socket peer. */
export function resolveClientAddress(
  forwardedFor: string | undefined,
  socketAddress: string | undefined,
  hops: number,
) {
  const chain = [
    ...(forwardedFor ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    socketAddress ?? '',
  ];
  return chain[Math.max(0, chain.length - 1 - hops)] ?? '';
}

export function clientAddressMiddleware(hops = Number(process.env.TRUST_PROXY_HOPS ?? 0) || 0) {
  return (req: IncomingMessage, _res: ServerResponse, next: (err?: unknown) => void) => {
    const header = req.headers['x-forwarded-for'];
    const forwarded = Array.isArray(header) ? header.join(',') : header;
    req.headers['x-forwarded-for'] = resolveClientAddress(forwarded, req.socket.remoteAddress, hops);
    delete req.headers['x-real-ip'];
    next();
  };
}
