import { describe, expect, it } from 'vitest';
import { resolveClientAddress } from './client-address';

describe('client address', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(resolveClientAddress('6.6.6.6', '10.0.0.1', 0)).toBe('10.0.0.1');
  });

  it('takes the address the trusted proxy saw, not what the client claims before it', () => {
    // client forged "6.6.6.6"; the proxy (10.0.0.1) appended the real peer 203.0.113.7
    expect(resolveClientAddress('6.6.6.6, 203.0.113.7', '10.0.0.1', 1)).toBe('203.0.113.7');
    expect(resolveClientAddress('203.0.113.7', '10.0.0.1', 1)).toBe('203.0.113.7');
  });

  it('never walks past the start of the chain', () => {
    expect(resolveClientAddress(undefined, '10.0.0.1', 3)).toBe('10.0.0.1');
  });
});
