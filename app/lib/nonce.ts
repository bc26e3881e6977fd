import { createContext, useContext } from 'react';

/** The per-response CSP nonce; set on the server by entry.server.tsx, empty in the browser. */
export const NonceContext = createContext<string | undefined>(undefined);
export const useNonce = () => useContext(NonceContext);
